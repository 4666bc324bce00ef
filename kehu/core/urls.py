"""Record URLs without a full `reverse()` per row: long lists link to hundreds of records."""

import functools

from django.urls import get_script_prefix, reverse

_MARKER = 9_876_543_210_123


@functools.lru_cache(maxsize=256)
def _url_template(name: str, script_prefix: str) -> tuple[str, str]:
    before, _sep, after = reverse(name, args=[_MARKER]).partition(str(_MARKER))
    return before, after


def record_url(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a URL whose only argument is the record's id."""
    before, after = _url_template(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"
