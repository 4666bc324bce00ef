"""The REST API under /api/v1/ (django-ninja)."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kehu API", version="1", urls_namespace="api")
