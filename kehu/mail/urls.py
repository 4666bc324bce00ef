from django.urls import path

from kehu.mail import views as mail_views
from kehu.mail.review import views as mail_review_views

urlpatterns = [
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
]
