from django.urls import path

from kehu.service.categories import views as category_views
from kehu.service.kb import views as kb_views
from kehu.service.macros import views as macro_views
from kehu.service.mailbox import views as mailbox_views
from kehu.service.portal import views as portal_views
from kehu.service.sla import views as sla_views
from kehu.service.surveys import settings_views as survey_settings
from kehu.service.surveys import views as survey_views
from kehu.service.tickets import views

urlpatterns = [
    path("survey/<str:token>/", survey_views.survey_answer, name="survey-answer"),
    path("tickets/", views.ticket_list, name="ticket-list"),
    path("tickets/new/", views.ticket_create, name="ticket-create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/edit/", views.ticket_edit, name="ticket-edit"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket-reply"),
    path("tickets/<int:pk>/delete/", views.ticket_delete, name="ticket-delete"),
    path("tickets/<int:pk>/restore/", views.ticket_restore, name="ticket-restore"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/",
        mailbox_views.attachment,
        name="ticket-attachment",
    ),
    path("settings/support-mailboxes/", mailbox_views.mailbox_list, name="support-mailboxes"),
    path(
        "settings/support-mailboxes/new/",
        mailbox_views.mailbox_edit,
        name="support-mailbox-create",
    ),
    path(
        "settings/support-mailboxes/<int:pk>/",
        mailbox_views.mailbox_edit,
        name="support-mailbox-edit",
    ),
    path(
        "settings/support-mailboxes/<int:pk>/check/",
        mailbox_views.mailbox_check,
        name="support-mailbox-check",
    ),
    path("settings/surveys/", survey_settings.survey_list, name="survey-settings"),
    path("settings/surveys/<int:pk>/", survey_settings.survey_edit, name="survey-edit"),
    path("settings/ticket-categories/", category_views.category_list, name="ticket-categories"),
    path(
        "settings/ticket-categories/new/",
        category_views.category_edit,
        name="ticket-category-create",
    ),
    path(
        "settings/ticket-categories/<int:pk>/",
        category_views.category_edit,
        name="ticket-category-edit",
    ),
    path("settings/sla/", sla_views.policy_edit, name="sla-settings"),
    path("settings/sla/policies/<int:pk>/", sla_views.policy_edit, name="sla-policy-edit"),
    path("settings/sla/calendars/new/", sla_views.calendar_edit, name="sla-calendar-create"),
    path("settings/sla/calendars/<int:pk>/", sla_views.calendar_edit, name="sla-calendar-edit"),
    path(
        "tickets/<int:pk>/macros/<int:macro_id>/apply/",
        macro_views.macro_apply,
        name="ticket-macro-apply",
    ),
    path(
        "tickets/<int:pk>/macros/<int:macro_id>/text/",
        macro_views.macro_text,
        name="ticket-macro-text",
    ),
    path("settings/macros/", macro_views.macro_edit, name="macro-settings"),
    path("settings/macros/<int:pk>/", macro_views.macro_edit, name="macro-edit"),
    path("kb/", kb_views.article_list, name="kb-article-list"),
    path("kb/new/", kb_views.article_create, name="kb-article-create"),
    path("kb/<int:pk>/", kb_views.article_detail, name="kb-article-detail"),
    path("kb/<int:pk>/edit/", kb_views.article_edit, name="kb-article-edit"),
    # the public help centre: no login
    path("help-centre/", kb_views.help_centre, name="help-centre"),
    path("help-centre/<int:pk>/", kb_views.help_centre_article, name="help-centre-article"),
    # the customer's side: the public support form and each ticket's signed portal link
    path("support/new/", portal_views.support_form, name="support-new"),
    path("support/t/<str:token>/", portal_views.portal, name="support-portal"),
    path("support/t/<str:token>/reply/", portal_views.portal_reply, name="support-portal-reply"),
    path("support/t/<str:token>/solve/", portal_views.portal_solve, name="support-portal-solve"),
    path(
        "tickets/<int:pk>/portal/revoke/", portal_views.portal_revoke, name="ticket-portal-revoke"
    ),
]
