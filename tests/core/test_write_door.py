"""One door for writes: view, form and API modules change nothing themselves; they call a
service, which checks permission, validates, bumps the version, writes the audit entry and
emits the event (DESIGN.md, "Patterns every app follows" 2).

An AST walk over every such module under `kehu/` (sub-packages too) fails on an ORM write.
The allow-list below names each exception by module and function, and says why."""

import ast
import pathlib
import sys

import kehu

ROOT = pathlib.Path(kehu.__file__).parent
ENDINGS = ("views", "forms", "api")

#: method names that write rows, whatever they are called on
WRITE_METHODS = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
#: related-manager writes: `.add/.remove/.set/.clear` on `x.<relation>`
RELATED_METHODS = {"add", "remove", "set", "clear"}

#: (module, function) -> why this write may stay where it is
ALLOWED: dict[tuple[str, str], str] = {}


def door_modules() -> list[pathlib.Path]:
    """Every view, form and API module under kehu/, sub-packages included, and the modules of
    one split into a package (`mail/api/templates.py`)."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or "templates" in path.parts:
            continue
        stem = path.stem
        in_package = path.parent.name in ENDINGS  # e.g. customers/api/people.py
        if in_package or stem in ENDINGS or any(stem.endswith(f"_{ending}") for ending in ENDINGS):
            found.append(path)
    return found


#: calls that share a write's name but write no row: the request's session and headers,
#: a form's own data and fields, the messages framework
NON_ORM_RECEIVERS = {"session", "headers", "GET", "POST", "cleaned_data", "errors", "initial",
                     "fields", "META", "COOKIES", "attrs", "messages"}  # fmt: skip


def _is_orm_call(call: ast.Call, plain: set[str]) -> bool:
    """Whether `call` (`<receiver>.<method>(...)`) looks like an ORM write."""
    method = call.func.attr
    receiver = call.func.value
    name = ast.unparse(receiver)
    if name in plain or name.split(".")[-1] in NON_ORM_RECEIVERS:
        return False
    if method in WRITE_METHODS:
        # Django's row writers take keyword arguments only (`create(name=...)`,
        # `update(**changes)`, `save(update_fields=...)`, `delete()`); a positional argument
        # means another object's method: `dict.update(other)`, a service table's
        # `entity.delete(user, record)`. bulk_* take the objects positionally, and a form's
        # `save(commit)` may take its flag so.
        positional = [arg for arg in call.args if not isinstance(arg, ast.Starred)]
        return method.startswith("bulk_") or method == "save" or not positional
    if method in RELATED_METHODS:
        return isinstance(receiver, ast.Attribute)  # `person.tags.add(...)`, not `seen.add(...)`
    return False


def writes(source: str) -> list[tuple[str, int, str]]:
    """(function, line, call) for every ORM write in `source`; decorators (`@router.delete`)
    are routes, not writes."""
    tree = ast.parse(source)
    plain = _plain_containers(tree)
    definitions = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    decorators = {
        id(decorator)
        for node in ast.walk(tree)
        if isinstance(node, definitions)
        for decorator in node.decorator_list
    }
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, definitions):
                name = child.name if function == "<module>" else f"{function}.{child.name}"
            elif (
                isinstance(child, ast.Call)
                and id(child) not in decorators
                and isinstance(child.func, ast.Attribute)
                and _is_orm_call(child, plain)
            ):
                call = f"{ast.unparse(child.func.value)}.{child.func.attr}("
                found.append((function, child.lineno, call))
            visit(child, name)

    visit(tree, "<module>")
    return found


def _plain_containers(tree: ast.AST) -> set[str]:
    """Names bound to a dict, set or list literal (or `dict()`/`set()`/`list()`), whose
    `.update`/`.add`/`.clear` are not ORM writes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            plain = isinstance(value, ast.Dict | ast.Set | ast.List | ast.DictComp | ast.SetComp)
            plain = plain or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in {"dict", "set", "list", "defaultdict", "Counter"}
            )
            if plain:
                for target in targets:
                    if isinstance(target, ast.Name | ast.Attribute):
                        names.add(ast.unparse(target))
    return names


def _allowed(module: str, function: str) -> bool:
    """An entry names a function (or a class: then all its methods)."""
    return (module, function) in ALLOWED or (module, function.split(".")[0]) in ALLOWED


def test_view_form_and_api_modules_write_only_through_services():
    offences = []
    for path in door_modules():
        module = path.relative_to(ROOT.parent).as_posix()
        for function, line, call in writes(path.read_text()):
            if not _allowed(module, function):
                offences.append(f"{module}:{line} {function}: {call}")
    assert not offences, "ORM writes outside a service:\n" + "\n".join(offences)


def test_every_allow_list_entry_still_names_a_write():
    """An exception whose write has moved into a service is dropped, not kept "just in case"."""
    modules = {path.relative_to(ROOT.parent).as_posix(): path for path in door_modules()}
    stale = []
    for module, function in ALLOWED:
        path = modules.get(module)
        if path is None:
            stale.append(f"{module} (no such view, form or API module)")
            continue
        names = {name for name, _line, _call in writes(path.read_text())}
        if not any(name == function or name.split(".")[0] == function for name in names):
            stale.append(f"{module}:{function}")
    assert not stale, "allow-list entries without a write:\n" + "\n".join(stale)


def test_the_check_finds_writes():
    """The walk would fail: each kind of write in a snippet is found."""
    snippet = """
def edit(request, pk):
    person = Person.objects.get(pk=pk)
    person.save()
    Person.objects.create(name="x")
    Person.objects.filter(pk=pk).update(name="y")
    person.delete()
    Person.objects.bulk_create([])
    Person.objects.bulk_update([], ["name"])
    Tag.objects.get_or_create(name="x")
    Tag.objects.update_or_create(name="x")
    person.tags.add(1)
    person.tags.remove(1)
    person.tags.set([1])
    person.tags.clear()
    form.save()

class PersonForm:
    def save(self, commit=True):
        return super().save(commit)
"""
    found = writes(snippet)
    calls = [call for _function, _line, call in found]
    assert calls == [
        "person.save(",
        "Person.objects.create(",
        "Person.objects.filter(pk=pk).update(",
        "person.delete(",
        "Person.objects.bulk_create(",
        "Person.objects.bulk_update(",
        "Tag.objects.get_or_create(",
        "Tag.objects.update_or_create(",
        "person.tags.add(",
        "person.tags.remove(",
        "person.tags.set(",
        "person.tags.clear(",
        "form.save(",
        "super().save(",
    ]
    assert {function for function, _line, _call in found} == {"edit", "PersonForm.save"}


def test_the_check_ignores_plain_containers_services_and_routes():
    snippet = """
@router.delete("/people/{pk}")
def view(request):
    data = {}
    data.update(a=1)
    seen = set()
    seen.add(1)
    request.session.clear()
    form.cleaned_data.update({})
    context = page_context(request)
    context.update({"nav": "people"})
    entity.create(request.user, data)
    entity.delete(request.user, record)
    return data
"""
    assert writes(snippet) == []


def test_the_walk_covers_sub_packages(tmp_path, monkeypatch):
    """Files moved to kehu/<app>/<concept>/views.py or into an api/ package are still checked."""
    modules = [path.relative_to(ROOT).as_posix() for path in door_modules()]
    assert "activities/views.py" in modules
    assert "customers/forms.py" in modules
    assert "sales/leads/api/leads.py" in modules
    assert "activities/notifications/api.py" in modules
    assert "mail/review/views.py" in modules
    assert "mail/api/templates.py" in modules
    package = tmp_path / "kehu" / "sales" / "leads"
    package.mkdir(parents=True)
    (package / "views.py").write_text("def v(request):\n    lead.save()\n")
    (package / "helpers.py").write_text("def h():\n    lead.save()\n")
    (package / "api").mkdir()
    (package / "api" / "web_leads.py").write_text("def w(request):\n    lead.save()\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "kehu")
    found = [path.relative_to(tmp_path).as_posix() for path in door_modules()]
    assert found == ["kehu/sales/leads/api/web_leads.py", "kehu/sales/leads/views.py"]
