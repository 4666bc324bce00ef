"""The analytics app's models, one sub-package per concept."""

from kehu.analytics.adoption.models import AdoptionDay  # noqa: F401
