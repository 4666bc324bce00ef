from django.urls import path

from kehu.sales import lead_views, views

urlpatterns = [
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/board/", views.deal_board, name="deal-board"),
    path("deals/mine/", views.my_pipeline, name="my-pipeline"),
    path("deals/new/", views.deal_create, name="deal-create"),
    path("deals/forecast/", views.deal_forecast, name="deal-forecast"),
    path("deals/targets/", views.sales_targets, name="sales-targets"),
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
    path("leads/new/", lead_views.lead_create, name="lead-create"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/edit/", lead_views.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/convert/", lead_views.lead_convert, name="lead-convert"),
    path("leads/<int:pk>/delete/", lead_views.lead_delete, name="lead-delete"),
    path("leads/<int:pk>/restore/", lead_views.lead_restore, name="lead-restore"),
    path("settings/pipelines/", views.pipeline_list, name="pipeline-list"),
    path("settings/pipelines/new/", views.pipeline_edit, name="pipeline-create"),
    path("settings/pipelines/<int:pk>/", views.pipeline_edit, name="pipeline-edit"),
    path("settings/exchange-rates/", views.exchange_rates, name="exchange-rates"),
]
