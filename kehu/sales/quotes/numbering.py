"""Quote and order numbers: Q-2026-0001, SO-2026-0001, one counter per kind and year."""

from kehu.sales.models import DocumentCounter


def next_number(kind: str, prefix: str, year: int) -> str:
    """The next number of `kind` in `year`, e.g. Q-2026-0001; gaps only if a save fails
    after the number was taken, and then the whole transaction rolls back with it."""
    DocumentCounter.objects.get_or_create(kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:04d}"
