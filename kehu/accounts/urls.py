from django.contrib.auth import views as auth_views
from django.urls import path

from kehu.accounts import admin_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.email_change_request, name="email-change"),
    path("profile/password/", views.password_change, name="password-change"),
    path(
        "profile/email/confirm/<str:token>/",
        views.email_change_confirm,
        name="email-change-confirm",
    ),
    path("profile/tokens/", views.token_list, name="token-list"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    *admin_views.urlpatterns,
]
