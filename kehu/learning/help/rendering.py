"""Markdown help pages to safe HTML.

The source's own HTML is never passed through: Python-Markdown's raw-HTML handling is switched
off, so `<script>` in a page shows as text; only `<kbd>` (the shortcut keys) is given back,
and nh3 cleans the result with an allow-list as a second guard. Links to other help pages
(`shortcuts.md#…`) become links inside the help centre; links to files that are not help pages
(decisions, the API guide) become plain text."""

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "kbd",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
KBD = re.compile(r"&lt;(/?)kbd&gt;")


def slug(text: str) -> str:
    """The anchor of a heading, as the rendered page gives it (ids for contextual help)."""
    return slugify_unicode(text, "-")


class _Links(Treeprocessor):
    def __init__(self, md, link_to: Callable[[str], str | None]):
        super().__init__(md)
        self.link_to = link_to

    def run(self, root: etree.Element) -> None:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith(("http://", "https://", "mailto:", "#")):
                continue
            target = self.link_to(href)
            if target is None:
                del link.attrib["href"]
            else:
                link.set("href", target)
        for image in list(root.iter("img")):
            image.tag, image.text = "span", image.get("alt", "")
            image.attrib.clear()


class _HelpExtension(Extension):
    def __init__(self, link_to: Callable[[str], str | None]):
        super().__init__()
        self.link_to = link_to

    def extendMarkdown(self, md) -> None:  # noqa: N802 — Python-Markdown's name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Links(md, self.link_to), "help_links", 5)


def render(source: str, link_to: Callable[[str], str | None]) -> str:
    """`source` (Markdown) as clean HTML with an id on every heading."""
    html = markdown.markdown(
        source,
        extensions=[
            "sane_lists",
            "tables",
            "attr_list",  # `## 标题 {#anchor}`: a Chinese page keeps the English page's anchors
            _HelpExtension(link_to),
            TocExtension(slugify=slugify_unicode, permalink=False),
        ],
    )
    html = KBD.sub(r"<\1kbd>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}, **{h: {"id"} for h in HEADINGS}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
