from django.urls import path

from kehu.activities import views as activity_views
from kehu.activities.calendar import views as calendar_views
from kehu.activities.my_day import views as my_day_views
from kehu.activities.notifications import views
from kehu.mail import views as mail_views
from kehu.mail.review import views as mail_review_views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("activities/add/", activity_views.quick_add, name="activity-quick-add"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/done/", activity_views.activity_done, name="activity-done"),
    path("activities/<int:pk>/delete/", activity_views.activity_delete, name="activity-delete"),
    path("activities/<int:pk>/restore/", activity_views.activity_restore, name="activity-restore"),
    path("activities/<int:pk>/privacy/", activity_views.activity_privacy, name="activity-privacy"),
    path(
        "activities/on/<str:target>/<int:pk>/timeline/",
        activity_views.record_timeline,
        name="activity-timeline",
    ),
    path(
        "activities/on/<str:target>/<int:pk>/<str:kind>/",
        activity_views.log,
        name="activity-log",
    ),
    # my day (kehu/activities/my_day/views.py)
    path("my-day/", my_day_views.my_day_page, name="my-day"),
    path("my-day/tasks/<int:pk>/done/", my_day_views.my_day_done, name="my-day-done"),
    path(
        "my-day/tasks/<int:pk>/reschedule/",
        my_day_views.my_day_reschedule,
        name="my-day-reschedule",
    ),
    # receiving email: the review list and .eml upload (kehu/mail/review/views.py)
    path("emails/review/", mail_review_views.review_list, name="mail-review"),
    path("emails/review/<int:pk>/", mail_review_views.review_detail, name="mail-review-detail"),
    path("emails/review/<int:pk>/link/", mail_review_views.review_link, name="mail-review-link"),
    path(
        "emails/review/<int:pk>/person/",
        mail_review_views.review_create_person,
        name="mail-review-person",
    ),
    path(
        "emails/review/<int:pk>/ignore/",
        mail_review_views.review_ignore,
        name="mail-review-ignore",
    ),
    path("emails/upload/", mail_review_views.upload, name="mail-upload"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/subscribe/", calendar_views.calendar_subscribe, name="calendar-subscribe"),
    path(
        "calendar/subscribe/revoke/",
        calendar_views.calendar_unsubscribe,
        name="calendar-unsubscribe",
    ),
    path("calendar/feed/<str:secret>.ics", calendar_views.calendar_feed, name="calendar-feed"),
    # sending email (kehu/mail/views.py)
    path("people/<int:pk>/email/", mail_views.compose, name="person-email"),
    path("emails/<int:pk>/retry/", mail_views.retry, name="email-retry"),
    path("emails/<int:pk>/reply/", mail_views.reply, name="email-reply"),
    path("emails/attachments/<int:pk>/", mail_views.attachment, name="email-attachment"),
    path("profile/signature/", mail_views.signature, name="email-signature"),
    path("settings/email-templates/", mail_views.template_list, name="email-template-list"),
    path("settings/email-templates/new/", mail_views.template_edit, name="email-template-create"),
    path(
        "settings/email-templates/<int:pk>/",
        mail_views.template_edit,
        name="email-template-edit",
    ),
    path(
        "settings/email-templates/<int:pk>/delete/",
        mail_views.template_delete,
        name="email-template-delete",
    ),
]
