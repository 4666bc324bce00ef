from django.urls import path

from kehu.core.saved_views import views

urlpatterns = [
    path("views/<str:list_key>/new/", views.save_view, name="view-save"),
    path("views/<int:pk>/delete/", views.delete_view, name="view-delete"),
    path("lists/<str:list_key>/columns/", views.choose_columns, name="list-columns"),
]
