"""What the models of every sales concept share: the live-record filter, the company
currency and names shown in the reader's language."""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language

ALIVE = Q(deleted_at__isnull=True)


def company_currency() -> str:
    return settings.DEFAULT_CURRENCY


def _localised(name: str, name_zh: str) -> str:
    return name_zh if name_zh and (get_language() or "").startswith("zh") else name
