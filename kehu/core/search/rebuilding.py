"""Bringing stored search documents up to a newer tokenizer, for data migrations.

A migration may not import live code (decision 0018), but a search document must hold the
tokens that today's queries are split into, whatever day the migration runs: so migrations
that refresh documents call this, which reads only the historical model it is given and the
pure tokenizer (`documents`), never a live model or service.

It adds the current name tokens to each stored document (the syllable-initials of every part
of a name, simplified forms of traditional characters) after the tokens already there, which
stay (a record's next save rewrites its document whole). Rows whose names hold no Chinese are
skipped, and only changed rows are written.
"""

from typing import Any

from django.db import connections

from kehu.core.search.documents import build_document, name_tokens

#: rows read and written per round trip
BATCH = 5000


#: how a name column is tokenized: a person's name (surname readings), the record's own name,
#: or a name that describes it (a person's company: no runs of initials from its middle)
PERSON, OWN, RELATED = "person", "own", "related"


def refresh_name_tokens(model: Any, names: dict[str, str], using: str) -> int:
    """Refresh `model`'s documents from its name columns (`{"name": PERSON, "company__name":
    RELATED}`); returns the number of rows changed."""
    kinds = list(names.values())
    rows = model._base_manager.using(using).order_by("id")
    table = model._meta.db_table
    changed = 0
    last = 0
    while True:
        batch = list(rows.filter(id__gt=last).values_list("id", "search_text", *names)[:BATCH])
        if not batch:
            return changed
        last = batch[-1][0]
        updates = []
        for pk, document, *values in batch:
            texts = [value or "" for value in values]
            if all(text.isascii() for text in texts):
                continue
            groups = [
                name_tokens(text, is_person_name=kind == PERSON, every_initial=kind != RELATED)
                for text, kind in zip(texts, kinds, strict=True)
            ]
            fresh = build_document((document or "").split(), *groups)  # old order kept
            if fresh != document:
                updates.append((fresh, pk))
        if updates:
            with connections[using].cursor() as cursor:
                cursor.executemany(
                    f'UPDATE "{table}" SET "search_text" = %s WHERE "id" = %s', updates
                )
            changed += len(updates)
