"""Administration of users, teams and roles (filled in by the admin UI work)."""

urlpatterns: list = []
