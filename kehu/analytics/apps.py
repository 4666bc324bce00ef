from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Measurement: the metric catalogue (`metrics/`) that dashboards, reports and goals read.

    It knows no domain: sales, activities (and later service, marketing) register their own
    metrics and dimensions from their AppConfig.ready."""

    name = "kehu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")
