"""No browser dialogs: Kehu asks in its own in-page dialogs (kehu/web/static/kehu/dialogs.js),
never with alert(), confirm() or prompt(), which cannot be styled, translated or tested, block
the page, and which a browser may let a page suppress. Kehu's own scripts and every template
are read for a call to one of them (or htmx's hx-confirm and hx-prompt, which call them)."""

import re
from pathlib import Path

import kehu

ROOT = Path(kehu.__file__).resolve().parent
#: a call, with or without `window.`/`self.`/`globalThis.`; `palette.confirm(` is someone's method
BROWSER_DIALOG = re.compile(
    r"(?<![\w$.])(?:(?:window|self|globalThis)\s*\.\s*)?(alert|confirm|prompt)\s*\("
    r"|\bhx-(?:confirm|prompt)\b"
)


def own_files() -> list[Path]:
    """Kehu's scripts (not the vendored libraries) and templates."""
    scripts = [p for p in ROOT.rglob("*.js") if "vendor" not in p.relative_to(ROOT).parts]
    return sorted(scripts + list(ROOT.rglob("templates/**/*.html")))


def browser_dialogs(text: str) -> list[str]:
    return [m.group(0) for m in BROWSER_DIALOG.finditer(text)]


def test_the_search_finds_each_form_and_nothing_else():
    found = browser_dialogs(
        'window.confirm("x"); alert(1); self.prompt ("y"); <form hx-confirm="z">'
        'kehuDialogs.confirm(a); confirmInPage(b); data-confirm="c"; prompted(d)'
    )
    assert found == ["window.confirm(", "alert(", "self.prompt (", "hx-confirm"]


def test_no_script_or_template_opens_a_browser_dialog():
    files = own_files()
    assert any(p.name == "dialogs.js" for p in files) and len(files) > 50
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := browser_dialogs(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
