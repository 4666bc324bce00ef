from django.urls import path

from kehu.analytics.adoption import views as adoption
from kehu.analytics.goals import views
from kehu.analytics.roi import views as roi

urlpatterns = [
    path("adoption/", adoption.adoption_page, name="adoption"),
    path("roi/", roi.roi_page, name="roi"),
    path("goals/", views.goal_list, name="goal-list"),
    path("goals/new/", views.goal_form, name="goal-new"),
    path("goals/<int:pk>/", views.goal_detail, name="goal-detail"),
    path("goals/<int:pk>/edit/", views.goal_form, name="goal-edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="goal-delete"),
    path("goals/<int:pk>/restore/", views.goal_restore, name="goal-restore"),
]
