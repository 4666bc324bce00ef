"""axe-core in browser tests: run the vendored axe-core (kehu/web/static/vendor/axe-core) on
the page a test has open and get the serious and critical violations.

    assert serious_violations(page) == []

The script is loaded from Kehu's own static files, so the page's Content-Security-Policy
(`script-src 'self'`) allows it: no CSP bypass in the browser context.
"""

from playwright.sync_api import Page

AXE_URL = "/static/vendor/axe-core/axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(page: Page, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """The serious and critical axe-core violations on the page as readable lines (rule, what
    it means, the first offending elements); [] when clean. `exclude`: CSS selectors of parts
    not to check (say why at the call)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
        page.wait_for_function("typeof window.axe !== 'undefined'")
    result = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
            const found = await window.axe.run(context, { resultTypes: ["violations"] });
            return found.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
            }));
        }""",
        list(exclude),
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
        for v in result
        if v["impact"] in SERIOUS
    ]
