from django.urls import path

from kehu.learning.feedback import views as feedback
from kehu.learning.help import views as help_views
from kehu.learning.sample_data import views as sample_data
from kehu.learning.tour import views as tour

urlpatterns = [
    path("help/", help_views.help_index, name="help-index"),
    path("help/search/", help_views.help_search, name="help-search"),
    path("help/<slug:slug>/", help_views.help_page, name="help-page"),
    path("tour/", tour.tour_steps, name="tour-steps"),
    path("tour/seen/", tour.tour_seen, name="tour-seen"),
    path("feedback/", feedback.feedback_list, name="feedback-list"),
    path("feedback/new/", feedback.feedback_create, name="feedback-create"),
    path("feedback/<int:pk>/", feedback.feedback_detail, name="feedback-detail"),
    path("sample-data/", sample_data.sample_data_load, name="sample-data-load"),
    path("sample-data/<int:pk>/", sample_data.sample_data_status, name="sample-data-status"),
]
