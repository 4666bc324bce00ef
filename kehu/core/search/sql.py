"""The SQL text of a queryset, for the searches that wrap it in SQL of their own."""

from typing import Any

from django.db.models import QuerySet


def compiled(qs: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    result: tuple[str, tuple[Any, ...]] = qs.query.get_compiler(using=qs.db).as_sql()
    return result
