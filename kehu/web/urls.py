from django.urls import path

from kehu.web import palette, recycle_bin, undo, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.global_search, name="search"),
    path("palette/", palette.palette, name="palette"),
    path("healthz", views.healthz, name="healthz"),
    path("recycle-bin/", recycle_bin.recycle_bin, name="recycle-bin"),
    path("undo/", undo.undo, name="undo"),
]
