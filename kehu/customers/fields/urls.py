from django.urls import path

from kehu.customers.fields import views as field_views

urlpatterns = [
    path("settings/fields/", field_views.field_list, name="customfield-list"),
    path("settings/fields/new/", field_views.field_create, name="customfield-create"),
    path("settings/fields/<int:pk>/", field_views.field_edit, name="customfield-edit"),
    path(
        "settings/fields/<int:pk>/deactivate/",
        field_views.field_deactivate,
        name="customfield-deactivate",
    ),
    path(
        "settings/fields/<int:pk>/activate/",
        field_views.field_activate,
        name="customfield-activate",
    ),
]
