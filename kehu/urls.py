from django.urls import include, path

urlpatterns = [
    path("", include("kehu.web.urls")),
    path("", include("kehu.accounts.urls")),
    path("", include("kehu.customers.duplicates.urls")),
    path("", include("kehu.customers.urls")),
    path("", include("kehu.customers.imports.urls")),
    path("", include("kehu.customers.fields.urls")),
    path("", include("kehu.sales.urls")),
    path("", include("kehu.service.urls")),
    path("", include("kehu.analytics.urls")),
    path("", include("kehu.activities.urls")),
    path("", include("kehu.core.bulk.urls")),
    path("", include("kehu.mail.urls")),
    path("", include("kehu.learning.urls")),
    path("", include("kehu.core.saved_views.urls")),
    path("", include("kehu.analytics.reports.urls")),
    path("api/v1/", include("kehu.api_urls")),
]

# a database that is away (unreachable, or SQLite's write lock held) answers 503, not 500
handler500 = "kehu.core.unavailable.server_error"
