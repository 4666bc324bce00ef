"""Answers the code builds itself, handed to ninja without validating them again."""

import functools
import typing
from typing import Any

from ninja import Schema
from pydantic import BaseModel


def trusted(schema: type[Schema], data: dict[str, Any]) -> Schema:
    """`data` as an instance of `schema` without validating it again.

    For output the code builds itself from stored values (`person_out` and the like): ninja
    serialises such an instance as it would the dict, in the schema's field order, but skips
    validating every field of every row through ninja's attribute getter, which was about a
    sixth of the CPU time of a 50-row API list (docs/benchmarks.md, "What each request
    costs"). Nested values must already be instances (`trusted(page, {"items": [trusted(out,
    ...)]})`); a missing key or a value of another type shows in the answer, not as an error,
    so use it only where tests cover the output. A schema with nested schemas given as plain
    dicts (a quote's lines) is validated as usual."""
    if _has_nested_schemas(schema) and any(_holds_dicts(value) for value in data.values()):
        return schema.model_validate(data)
    return schema.model_construct(**data)


def _holds_dicts(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list | tuple) and any(_holds_dicts(item) for item in value)


@functools.cache
def _has_nested_schemas(schema: type[Schema]) -> bool:
    def nests(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation is not schema
        return any(nests(arg) for arg in typing.get_args(annotation))

    return any(nests(field.annotation) for field in schema.model_fields.values())
