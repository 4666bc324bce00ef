"""Customers is built on by sales, never the other way (decision 0018): no module of
`kehu.customers` imports `kehu.sales`, at the top or inside a function. Sales registers what
it adds (lead imports, lead custom fields, the deals on a company's page) when it starts."""

import ast
import pathlib

import kehu.customers

ROOT = pathlib.Path(kehu.customers.__file__).parent


def imported_modules(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_customers_module_imports_sales():
    offenders = {
        str(path.relative_to(ROOT.parent.parent)): sorted(
            name for name in imported_modules(path) if name.startswith("kehu.sales")
        )
        for path in sorted(ROOT.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert len(offenders) > 20  # it read the whole app


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from kehu import sales\n    from kehu.sales.models import Lead\n"
    )
    assert {"kehu.sales", "kehu.sales.models"} <= imported_modules(sample)


def test_sales_registers_what_it_adds_to_customers():
    from kehu.customers import views
    from kehu.customers.fields import services as field_services
    from kehu.customers.imports import targets
    from kehu.sales.leads.models import Lead

    assert targets.get("lead").model() is Lead
    assert field_services.MODELS["lead"] is Lead
    assert any(section.__module__.startswith("kehu.sales") for section in views.COMPANY_SECTIONS)
