"""What the models of every sales concept share: the live-record filter, the company
currency and names shown in the reader's language."""

from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language

from kehu.core.builtin_names import builtin_name

ALIVE = Q(deleted_at__isnull=True)


def company_currency() -> str:
    return settings.DEFAULT_CURRENCY


def _localised(name: str, name_zh: str) -> str:
    return name_zh if name_zh and (get_language() or "").startswith("zh") else name


def shown_name(table: dict[str, tuple[str, str]], key: str, name: str, name_zh: str) -> str:
    """A built-in row's translated name while it keeps it (see core.builtin_names), else the
    name as written, in Chinese when the reader reads Chinese and one was given."""
    return builtin_name(table, key, name, name_zh) or _localised(name, name_zh)
