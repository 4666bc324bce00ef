"""Notes and activity details are written in Markdown and shown as sanitised HTML."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, sanitised by nh3 (an allow-list: no scripts, styles, event handlers or
    javascript: links), so a note can never inject markup or script."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "tables"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
