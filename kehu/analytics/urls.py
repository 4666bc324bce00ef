from django.urls import path

from kehu.analytics.adoption import views as adoption
from kehu.analytics.dashboards import views as dashboards
from kehu.analytics.goals import views
from kehu.analytics.roi import views as roi

urlpatterns = [
    path("dashboard/add/", dashboards.widget_add, name="dashboard-add"),
    path("dashboard/remove/", dashboards.widget_remove, name="dashboard-remove"),
    path("dashboard/move/", dashboards.widget_move, name="dashboard-move"),
    path("dashboard/order/", dashboards.widget_order, name="dashboard-order"),
    path("dashboard/reset/", dashboards.dashboard_reset, name="dashboard-reset"),
    path("dashboard/publish/", dashboards.dashboard_publish, name="dashboard-publish"),
    path("reports/<int:pk>/pin/", dashboards.report_pin, name="report-pin"),
    path("adoption/", adoption.adoption_page, name="adoption"),
    path("roi/", roi.roi_page, name="roi"),
    path("goals/", views.goal_list, name="goal-list"),
    path("goals/new/", views.goal_form, name="goal-new"),
    path("goals/<int:pk>/", views.goal_detail, name="goal-detail"),
    path("goals/<int:pk>/edit/", views.goal_form, name="goal-edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal-delete"),
    path("goals/<int:pk>/restore/", views.goal_restore, name="goal-restore"),
]
