"""Migrations do tomorrow what they did the day they were written: they import no live code
but the frozen operations, and the live search code still agrees with the frozen index DDL."""

import ast
import re
from pathlib import Path

from kehu.core import migration_operations, search

KEHU = Path(__file__).resolve().parents[2] / "kehu"

#: live code a migration may name, and why
ALLOWED_IMPORTS = {
    # the frozen operations themselves
    "kehu.core.migration_operations": "frozen by design",
    # the sort key column and its batched fill: the fill computes keys with the live rules on
    # purpose (a database migrated later gets today's keys; a rule change ships a refill), and
    # the column's field class is the model's own (decision 23)
    "kehu.core.sort_key_migrations": "frozen operations, live key rules by design",
    # Django writes a field's callable default as a reference to the model module; the
    # autodetector compares it with the model's default, so it cannot be a copy
    "kehu.sales.models": "callable default company_currency, written by makemigrations",
    # a search document must hold the tokens today's queries are split into, whatever day the
    # migration runs; it reads only the historical model it is given and the pure tokenizer
    "kehu.core.search.rebuilding": "refreshes search documents with the live tokenizer",
}


def imported_kehu_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {name for name in names if name == "kehu" or name.startswith("kehu.")}


def test_migrations_import_only_frozen_code():
    migrations = sorted(KEHU.glob("*/migrations/0*.py"))
    assert len(migrations) > 20  # the walk found the migrations
    live = {
        f"{path.relative_to(KEHU.parent)}: {module}"
        for path in migrations
        for module in imported_kehu_modules(path) - set(ALLOWED_IMPORTS)
    }
    assert not live, f"migrations importing live code (use kehu.core.migration_operations): {live}"


def test_the_check_sees_a_live_import(tmp_path):
    bad = tmp_path / "0001_bad.py"
    bad.write_text("from kehu.core.search import index_sql\nimport django.db\n")
    assert imported_kehu_modules(bad) == {"kehu.core.search"}


def test_live_search_agrees_with_the_frozen_index():
    """Searches read the column and prefix terms the frozen DDL made; changing either in the live
    code needs a new frozen operation and a migration."""
    postgres = " ".join(migration_operations.search_index_sql("customers_person", "postgresql"))
    assert f'"{search.VECTOR_COLUMN}" tsvector' in postgres
    assert re.search(r"least\(length\(word\) - 1, (\d+)\)", postgres).group(1) == str(
        search.PREFIX_TERMS
    )
    sqlite = " ".join(migration_operations.search_index_sql_v2("customers_person", "sqlite"))
    assert '"customers_person_fts" USING fts5(search_text' in sqlite
    prefixes = re.search(r"prefix='([\d ]+)'", sqlite).group(1).split()
    assert prefixes == [str(n) for n in range(1, search.PREFIX_TERMS + 1)]
    assert migration_operations.search_index_sql("customers_person", "mysql") == []
