from django.urls import path

from kehu.analytics.dashboards import views as dashboards
from kehu.web import installable, palette, recycle_bin, undo, views

urlpatterns = [
    path("", dashboards.home, name="home"),  # the role dashboard
    path("search/", views.global_search, name="search"),
    path("palette/", palette.palette, name="palette"),
    path("healthz", views.healthz, name="healthz"),
    path("recycle-bin/", recycle_bin.recycle_bin, name="recycle-bin"),
    path("undo/", undo.undo, name="undo"),
    # on a phone's home screen (kehu/web/installable.py)
    path("manifest.webmanifest", installable.manifest, name="manifest"),
    path("sw.js", installable.service_worker, name="service-worker"),
    path("offline/", installable.offline, name="offline"),
]
