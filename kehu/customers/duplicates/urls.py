from django.urls import path

from kehu.customers.duplicates import views

urlpatterns = [
    path("duplicates/scan/", views.start_scan, name="duplicates-scan"),
    path("duplicates/scan/status/", views.scan_status, name="duplicates-scan-status"),
    path("duplicates/pairs/<int:pk>/dismiss/", views.dismiss, name="duplicates-dismiss"),
    path("duplicates/people/", views.queue, {"kind": "person"}, name="duplicates-person"),
    path("duplicates/companies/", views.queue, {"kind": "company"}, name="duplicates-company"),
    path("people/<int:pk>/merge/", views.merge_page, {"kind": "person"}, name="person-merge"),
    path("companies/<int:pk>/merge/", views.merge_page, {"kind": "company"}, name="company-merge"),
    path("people/merges/<int:pk>/undo/", views.undo, {"kind": "person"}, name="person-merge-undo"),
    path(
        "companies/merges/<int:pk>/undo/",
        views.undo,
        {"kind": "company"},
        name="company-merge-undo",
    ),
]
