from django.urls import path

from kehu.customers import views

urlpatterns = [
    path("people/", views.record_list, {"entity": "person"}, name="person-list"),
    path("people/new/", views.record_create, {"entity": "person"}, name="person-create"),
    path("people/<int:pk>/", views.record_detail, {"entity": "person"}, name="person-detail"),
    path("people/<int:pk>/edit/", views.record_edit, {"entity": "person"}, name="person-edit"),
    path(
        "people/<int:pk>/delete/", views.record_delete, {"entity": "person"}, name="person-delete"
    ),
    path(
        "people/<int:pk>/restore/",
        views.record_restore,
        {"entity": "person"},
        name="person-restore",
    ),
    path("companies/", views.record_list, {"entity": "company"}, name="company-list"),
    path("companies/new/", views.record_create, {"entity": "company"}, name="company-create"),
    path("companies/<int:pk>/", views.record_detail, {"entity": "company"}, name="company-detail"),
    path("companies/<int:pk>/edit/", views.record_edit, {"entity": "company"}, name="company-edit"),
    path(
        "companies/<int:pk>/delete/",
        views.record_delete,
        {"entity": "company"},
        name="company-delete",
    ),
    path(
        "companies/<int:pk>/restore/",
        views.record_restore,
        {"entity": "company"},
        name="company-restore",
    ),
    path("companies/lookup/", views.company_autocomplete, name="company-autocomplete"),
    path("companies/quick-create/", views.company_quick_create, name="company-quick-create"),
]
