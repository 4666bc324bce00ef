"""Every model of the analytics app (app label `analytics`); each concept keeps its own."""

from kehu.analytics.goals.models import Goal

__all__ = ["Goal"]
