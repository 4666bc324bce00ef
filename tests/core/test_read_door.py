"""The read door holds: view, form, API and task modules read records only through it.

Every module under kehu/ named views.py, forms.py, api.py or tasks.py (or ending in _views.py,
_forms.py, _api.py, or inside a package of that name, e.g. customers/api/people.py), in any
sub-package, is parsed. It fails when such a module
- reads a record model through a manager (`X.objects…`, `X.all_objects…`,
  `X._default_manager…`) with no `.visible_to(` in the chain, except as the `queryset=` of
  `get_visible_or_404`; any `….all_objects` counts, as only record models have it;
- loads one record with `get_object_or_404` / `get_list_or_404`, given a record model or a
  `visible_to` query: one record is loaded with `kehu.core.access.get_visible_or_404`.
Record models come from the app registry: every model whose default manager has `visible_to`
(the subclasses of kehu.core.models.Record, Activity among them).
A read that must differ goes in ALLOWED, with the reason.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

from kehu.core.models import Record

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kehu"
MODULE_NAMES = {"views.py", "forms.py", "api.py", "tasks.py"}
MODULE_SUFFIXES = ("_views.py", "_forms.py", "_api.py")
#: a concept with several routers keeps them in an `api/` package, one module each
PACKAGE_NAMES = {name.removesuffix(".py") for name in MODULE_NAMES}
MANAGERS = {"objects", "all_objects", "_default_manager", "_base_manager"}
WRITES_ONLY = {"create", "bulk_create"}  # the write-door check owns these
DOOR = "get_visible_or_404"
LOADERS = {"get_object_or_404", "get_list_or_404"}

#: (module, function) → why it reads records past the door
ALLOWED = {
    ("kehu/sales/tasks.py", "email_quote"): (
        "a background task with no request user: the page or API route that queued it loaded "
        "the quote through the door as the sender; the task sends that quote by its id"
    ),
    ("kehu/service/surveys/tasks.py", "deliver_survey_mail"): (
        "a background task with no request user: a ticket's solving (or the NPS schedule) "
        "queued the survey mail by the response's id; the task sends that one mail"
    ),
    ("kehu/service/surveys/tasks.py", "_deliver"): (
        "the same task marks the mail it just sent as sent or failed, by the response's id"
    ),
    ("kehu/sales/scoring/views.py", "scoring_settings"): (
        "an administrator's settings page counts the company's decided leads (the data a "
        "scoring model learns from, which is every lead); a count that names no lead"
    ),
}


@dataclass(frozen=True)
class BadRead:
    module: str
    function: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} in {self.function}: {self.code}"


def record_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if issubclass(model, Record) or hasattr(model._default_manager, "visible_to")
    }


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _record_aliases(tree: ast.AST, models: set[str]) -> set[str]:
    """The names this module binds to record models by importing them."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in models:
                    names.add(alias.asname or alias.name)
    return names


def _names_a_record(node: ast.AST, aliases: set[str], models: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in aliases
    if isinstance(node, ast.Attribute):  # e.g. sales_models.Deal
        return node.attr in models
    return False


def _chain_top(node: ast.AST, parents) -> tuple[ast.AST, list[str]]:
    """The outermost expression of a method chain starting at `node`, and the methods used."""
    methods = []
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            methods.append(parent.attr)
        elif not (isinstance(parent, ast.Call) and parent.func is node):
            return node, methods
        node = parent


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _function_of(node: ast.AST, parents) -> str:
    names = []
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
    return ".".join(reversed(names)) or "<module>"


def _is_door_queryset(node: ast.AST, parents) -> bool:
    """Whether `node` is (part of) the `queryset=` given to the door, which filters it."""
    while node in parents and not isinstance(node, ast.stmt):
        parent = parents[node]
        if isinstance(parent, ast.keyword) and parent.arg == "queryset":
            call = parents.get(parent)
            return isinstance(call, ast.Call) and _called_name(call) == DOOR
        node = parent
    return False


def bad_reads(source: str, module: str, models: set[str]) -> list[BadRead]:
    """Every read of a record model in `source` that does not go through the door."""
    tree = ast.parse(source)
    parents = _parents(tree)
    aliases = _record_aliases(tree, models)
    found = []

    def report(node):
        code = ast.get_source_segment(source, node) or ""
        found.append(BadRead(module, _function_of(node, parents), node.lineno, code))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            if node.attr != "all_objects" and not _names_a_record(node.value, aliases, models):
                continue
            top, methods = _chain_top(node, parents)
            if "visible_to" in methods or (methods and methods[0] in WRITES_ONLY):
                continue
            if not _is_door_queryset(top, parents):
                report(top)
        elif isinstance(node, ast.Call) and _called_name(node) in LOADERS and node.args:
            first = node.args[0]
            if _names_a_record(first, aliases, models):
                report(node)
            elif any(
                isinstance(n, ast.Attribute) and n.attr == "visible_to" for n in ast.walk(first)
            ):
                report(node)  # a visible record loaded by hand: use the door
    return found


def door_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and (
            path.name in MODULE_NAMES
            or path.name.endswith(MODULE_SUFFIXES)
            or path.parent.name in PACKAGE_NAMES
        )
    )


def all_bad_reads() -> list[BadRead]:
    models = record_model_names()
    found = []
    for path in door_modules():
        module = path.relative_to(ROOT).as_posix()
        found += bad_reads(path.read_text(encoding="utf-8"), module, models)
    return found


def test_the_record_models_come_from_the_registry():
    models = record_model_names()
    assert {"Person", "Company", "Deal", "Lead", "Quote", "Order", "Activity"} <= models
    assert "User" not in models and "Pipeline" not in models


def test_view_form_api_and_task_modules_are_found_in_sub_packages_too():
    found = {p.relative_to(ROOT).as_posix() for p in door_modules()}
    assert {"kehu/customers/views.py", "kehu/sales/quotes/api/quotes.py",
            "kehu/sales/tasks.py", "kehu/customers/fields/api.py"} <= found  # fmt: skip
    assert {"kehu/mail/api/emails.py", "kehu/mail/api/templates.py"} <= found
    assert "kehu/core/access.py" not in found


def test_views_forms_apis_and_tasks_read_records_only_through_the_door():
    unexplained = [str(bad) for bad in all_bad_reads() if (bad.module, bad.function) not in ALLOWED]
    assert not unexplained, (
        "Read records through `X.objects.visible_to(user)` or load one with "
        "kehu.core.access.get_visible_or_404; a read that must differ goes in ALLOWED "
        "with the reason:\n" + "\n".join(unexplained)
    )


def test_every_allowed_entry_is_still_needed():
    used = {(bad.module, bad.function) for bad in all_bad_reads()}
    assert not set(ALLOWED) - used, "remove these entries from ALLOWED: the read is gone"


BAD = """
from django.shortcuts import get_object_or_404
from kehu.customers.models import Company, Person as P
from kehu.sales import models as sales_models


def view(request, pk):
    a = Company.objects.get(pk=pk)
    b = P.objects.filter(name="x").first()
    c = Company.all_objects.filter(pk=pk).exists()
    d = get_object_or_404(P, pk=pk)
    e = sales_models.Deal.objects.all()
    f = get_object_or_404(P.objects.visible_to(request.user), pk=pk)
    g = entity.model.all_objects.in_recycle_bin()
    h = P._default_manager.first()
    i = get_visible_or_404(P, request.user, pk, queryset=wrap(P.objects.all())).owner.deals.get()
    j = helper(queryset=P.objects.all())
"""

GOOD = """
from kehu.core.access import get_visible_or_404
from kehu.customers.models import Company, Person, Tag


def view(request, pk):
    a = Company.objects.visible_to(request.user).filter(pk=pk).first()
    b = get_visible_or_404(Person, request.user, pk, queryset=Person.all_objects.in_recycle_bin())
    c = Tag.objects.filter(name="x")
    d = Person.all_objects.select_related("owner").visible_to(request.user, "delete")
    e = Person.objects.create(name="x")
"""


@pytest.mark.parametrize("source, lines", [(BAD, [8, 9, 10, 11, 12, 13, 14, 15, 17]), (GOOD, [])])
def test_the_check_catches_a_bad_read(source, lines):
    found = bad_reads(source, "kehu/x/views.py", record_model_names())
    assert sorted(bad.line for bad in found) == lines
    assert all(bad.function == "view" for bad in found)
