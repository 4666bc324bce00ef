from django.urls import path

from kehu.sales import exporting
from kehu.sales.assignment import views as assignment_views
from kehu.sales.catalog import views as catalog_views
from kehu.sales.deals import views
from kehu.sales.forecast import views as forecast_views
from kehu.sales.leads import views as lead_views
from kehu.sales.lost_reasons import views as lost_reason_views
from kehu.sales.quotes import views as quote_views
from kehu.sales.scoring import views as scoring_views
from kehu.sales.seller import views as seller_views

urlpatterns = [
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/export/", exporting.deal_export, name="deal-export"),
    path("deals/board/", views.deal_board, name="deal-board"),
    path("deals/mine/", views.my_pipeline, name="my-pipeline"),
    path("deals/new/", views.deal_create, name="deal-create"),
    path("deals/forecast/", forecast_views.deal_forecast, name="deal-forecast"),
    path("deals/targets/", forecast_views.sales_targets, name="sales-targets"),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal-edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal-move"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("deals/<int:pk>/contacts/", views.deal_contact_set, name="deal-contact-set"),
    path(
        "deals/<int:pk>/contacts/<int:person_id>/remove/",
        views.deal_contact_remove,
        name="deal-contact-remove",
    ),
    path("deals/<int:pk>/restore/", views.deal_restore, name="deal-restore"),
    path("forms/lead/", lead_views.lead_web_form, name="lead-web-form"),
    path("leads/", lead_views.lead_list, name="lead-list"),
    path("leads/export/", exporting.lead_export, name="lead-export"),
    path("leads/new/", lead_views.lead_create, name="lead-create"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", lead_views.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/convert/", lead_views.lead_convert, name="lead-convert"),
    path("leads/<int:pk>/delete/", lead_views.lead_delete, name="lead-delete"),
    path("leads/<int:pk>/restore/", lead_views.lead_restore, name="lead-restore"),
    path("products/", catalog_views.product_list, name="product-list"),
    path("products/new/", catalog_views.product_edit, name="product-create"),
    path("products/<int:pk>/", catalog_views.product_edit, name="product-edit"),
    path("price-lists/", catalog_views.price_list_list, name="price-list-list"),
    path("price-lists/new/", catalog_views.price_list_edit, name="price-list-create"),
    path("price-lists/<int:pk>/", catalog_views.price_list_edit, name="price-list-edit"),
    path("quotes/", quote_views.quote_list, name="quote-list"),
    path("quotes/export/", exporting.quote_export, name="quote-export"),
    path("quotes/lines/preview/", quote_views.quote_lines_preview, name="quote-lines-preview"),
    path("quotes/new/", quote_views.quote_create, name="quote-create"),
    path("quotes/<int:pk>/", quote_views.quote_detail, name="quote-detail"),
    path("quotes/<int:pk>/edit/", quote_views.quote_edit, name="quote-edit"),
    path("quotes/<int:pk>/print/", quote_views.quote_print, name="quote-print"),
    path("quotes/<int:pk>/pdf/", quote_views.quote_pdf_download, name="quote-pdf"),
    path("quotes/<int:pk>/send/", quote_views.quote_send, name="quote-send"),
    path("quotes/<int:pk>/accept/", quote_views.quote_accept, name="quote-accept"),
    path("quotes/<int:pk>/reject/", quote_views.quote_reject, name="quote-reject"),
    path("quotes/<int:pk>/revise/", quote_views.quote_revise, name="quote-revise"),
    path("quotes/<int:pk>/delete/", quote_views.quote_delete, name="quote-delete"),
    path("quotes/<int:pk>/restore/", quote_views.quote_restore, name="quote-restore"),
    path("orders/", quote_views.order_list, name="order-list"),
    path("orders/export/", exporting.order_export, name="order-export"),
    path("orders/<int:pk>/", quote_views.order_detail, name="order-detail"),
    path("orders/<int:pk>/status/", quote_views.order_status, name="order-status"),
    path("settings/pipelines/", views.pipeline_list, name="pipeline-list"),
    path("settings/pipelines/new/", views.pipeline_edit, name="pipeline-create"),
    path("settings/pipelines/<int:pk>/", views.pipeline_edit, name="pipeline-edit"),
    path(
        "settings/lost-reasons/",
        lost_reason_views.lost_reason_settings,
        name="lost-reason-settings",
    ),
    path("settings/seller/", seller_views.seller_settings, name="seller-settings"),
    path("settings/seller/logo/", seller_views.seller_logo, name="seller-logo"),
    path("settings/exchange-rates/", views.exchange_rates, name="exchange-rates"),
    path("settings/scoring/", scoring_views.scoring_settings, name="scoring-settings"),
    path("settings/scoring/<int:pk>/", scoring_views.scoring_settings, name="scoring-rule-edit"),
    path(
        "settings/scoring/<int:pk>/delete/",
        scoring_views.scoring_rule_delete,
        name="scoring-rule-delete",
    ),
    path("settings/scoring/train/", scoring_views.scoring_train, name="scoring-train"),
    path("settings/assignment/", assignment_views.rule_list, name="assignment-rule-list"),
    path("settings/assignment/new/", assignment_views.rule_edit, name="assignment-rule-create"),
    path("settings/assignment/<int:pk>/", assignment_views.rule_edit, name="assignment-rule-edit"),
    path(
        "settings/assignment/<int:pk>/delete/",
        assignment_views.rule_delete,
        name="assignment-rule-delete",
    ),
]
