from django.urls import path

from kehu.customers.imports import views as import_views

urlpatterns = [
    path("import/", import_views.import_start, name="import-start"),
    path("import/<int:pk>/", import_views.import_map, name="import-map"),
    path("import/<int:pk>/status/", import_views.import_status, name="import-status"),
    path("import/<int:pk>/errors.csv", import_views.import_errors, name="import-errors"),
    path("import/<int:pk>/resume/", import_views.import_resume, name="import-resume"),
    path("import/<int:pk>/cancel/", import_views.import_cancel, name="import-cancel"),
    path("people/export/", import_views.export, {"entity": "person"}, name="person-export"),
    path("companies/export/", import_views.export, {"entity": "company"}, name="company-export"),
]
