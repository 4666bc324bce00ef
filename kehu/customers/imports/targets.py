"""What the importer can import: one target per record type (decision 0018).

People and companies are built in. Other apps register theirs (`sales` registers leads in
`kehu/sales/leads/importing.py`), so the importer never imports the apps that build on
customers: they come to it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

PERSON_FIELDS = ["name", "email", "phone", "title", "company", "city", "address", "notes",
                 "tags", "birthday", "owner"]  # fmt: skip
COMPANY_FIELDS = ["name", "email", "phone", "website", "industry", "city", "address", "notes",
                  "tags", "owner"]  # fmt: skip


@dataclass
class Target:
    """One record type the importer writes."""

    entity: str  # the job's entity ("person", "lead" …)
    model: Callable[[], type]  # the model, looked up when needed
    fields: list[str]  # the fields a column can map to, in the mapping's order
    #: a field its record type reads itself: field → function(row reader, cell text) → value
    cell_readers: dict[str, Callable] = field(default_factory=dict)
    #: labels for fields whose model label does not say what the column holds
    labels: dict[str, object] = field(default_factory=dict)
    #: writes a batch of good rows; None: the fast batch writer (people and companies)
    writer: type | None = None


_TARGETS: dict[str, Target] = {}


def register(target: Target) -> None:
    _TARGETS[target.entity] = target


def get(entity: str) -> Target:
    return _TARGETS[entity]


def _person():
    from kehu.customers.models import Person

    return Person


def _company():
    from kehu.customers.models import Company

    return Company


register(Target("person", _person, PERSON_FIELDS))
register(Target("company", _company, COMPANY_FIELDS))
