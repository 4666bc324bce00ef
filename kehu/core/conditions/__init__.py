"""The one condition language of Kehu (DESIGN.md, "The shared engines" → Conditions).

A condition is JSON: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` and leaves
`{"field": "company.city", "op": "eq", "value": "上海"}`. Each record type registers its fields
(`registry`); `validation.clean` checks a condition against them and gives clear errors;
`compiler.narrow` turns it into a queryset filter on top of `visible_to`; `evaluator.matches`
answers for one record in memory. Both read the same operator table (`operators`), and a
property test keeps them in agreement. A request names fields only by their registered path:
nothing from it reaches SQL as a name.
"""

from kehu.core.conditions.compiler import narrow, to_q
from kehu.core.conditions.context import Context
from kehu.core.conditions.evaluator import matches
from kehu.core.conditions.registry import (
    ConditionField,
    fields_of,
    record_type,
    record_types,
    register,
)
from kehu.core.conditions.validation import ConditionError, clean

__all__ = [
    "ConditionError",
    "ConditionField",
    "Context",
    "clean",
    "fields_of",
    "matches",
    "narrow",
    "record_type",
    "record_types",
    "register",
    "to_q",
]
