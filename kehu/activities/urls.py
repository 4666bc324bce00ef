from django.urls import path

from kehu.activities import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
]
