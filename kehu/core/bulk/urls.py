from django.urls import path

from kehu.core.bulk import views

urlpatterns = [
    path("bulk/<str:record_type>/confirm/", views.bulk_confirm, name="bulk-confirm"),
    path("bulk/<str:record_type>/start/", views.bulk_start, name="bulk-start"),
    path("bulk/jobs/<int:pk>/", views.bulk_job, name="bulk-job"),
    path("bulk/jobs/<int:pk>/status/", views.bulk_job_status, name="bulk-job-status"),
    path("bulk/jobs/<int:pk>/undo/", views.bulk_job_undo, name="bulk-job-undo"),
]
