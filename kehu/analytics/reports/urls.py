from django.urls import path

from kehu.analytics.reports import views

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_new, name="report-new"),
    path("reports/runs/<uuid:run_id>/", views.report_run, name="report-run"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report-edit"),
    path("reports/<int:pk>/export/", views.report_export, name="report-export"),
    path("reports/<int:pk>/schedule/", views.report_schedule, name="report-schedule"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report-delete"),
]
