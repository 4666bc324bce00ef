"""Which documents are help pages, where they are read from, and the search over them.

The user guide lives in `docs/` (English) and `docs/zh/` (简体中文, shorter) of the source tree,
or in KEHU_HELP_DIR. Only the pages listed in PAGES are shown: decisions, benchmarks,
configuration, operations and the API guide are for those who run or program Kehu, not users.
A page without a Chinese version is shown in English to Chinese readers, with a note.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kehu.learning.help.rendering import render, slug


@dataclass(frozen=True)
class HelpPage:
    slug: str  # also the file name: docs/<slug>.md, docs/zh/<slug>.md
    summary: object  # a lazy translation: one line for the index


#: the user guide, in reading order
PAGES = [
    HelpPage(
        "getting-started", _("Signing in, finding your way, people and companies, importing.")
    ),
    HelpPage("my-day-and-reminders", _("Today's tasks and meetings, and the reminders you get.")),
    HelpPage("activities", _("Calls, meetings, tasks and notes, and the timeline.")),
    HelpPage("calendar", _("The calendar page, calendar feeds and meeting invitations.")),
    HelpPage("email", _("Sending email from Kehu: signature, templates, placeholders.")),
    HelpPage("email-receiving", _("Received email: the review list and uploading .eml files.")),
    HelpPage("quotes", _("Quotes, their PDF, and orders.")),
    HelpPage("service-desk", _("Tickets, queues, SLA clocks, macros and categories.")),
    HelpPage("dashboards", _("Your home dashboard: its widgets, arranging it, pinning reports.")),
    HelpPage("goals", _("KPI goals: setting them, attainment and pacing.")),
    HelpPage("reports", _("Building, sharing, exporting and emailing reports.")),
    HelpPage("adoption-and-roi", _("Staff adoption per week, and whether the CRM pays off.")),
    HelpPage("duplicates", _("Finding and merging duplicate people and companies.")),
    HelpPage("shortcuts", _("Keyboard shortcuts, the command palette and what search finds.")),
    HelpPage("sorting-and-company-picker", _("How names are sorted; choosing a company.")),
    HelpPage("help-centre", _("This help centre, the tour, sample data and feedback.")),
]
BY_SLUG = {page.slug: page for page in PAGES}


def help_dir() -> Path:
    return Path(settings.HELP_DIR)


def _is_chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


def source_path(page_slug: str, chinese: bool) -> Path | None:
    """The file to show for the page in the language, or None when there is none."""
    path = help_dir() / ("zh" if chinese else "") / f"{page_slug}.md"
    return path if path.is_file() else None


def page_url(page_slug: str, anchor: str = "") -> str:
    return reverse("help-page", args=[page_slug]) + (f"#{anchor}" if anchor else "")


def _link_to(href: str) -> str | None:
    """A help-centre address for a link between docs, or None for a file that is no help page."""
    target, _hash, anchor = href.partition("#")
    name = target.rsplit("/", 1)[-1]
    if "/" in target.replace("docs/", "", 1) or not name.endswith(".md"):
        return None
    page_slug = name[: -len(".md")]
    return page_url(page_slug, anchor) if page_slug in BY_SLUG else None


@dataclass(frozen=True)
class Shown:
    """A help page as shown: its title, HTML and whether it is in the reader's language."""

    slug: str
    title: str
    html: str
    chinese: bool
    translated: bool  # False: a Chinese reader sees the English page (no Chinese one yet)


@functools.lru_cache(maxsize=64)
def _rendered(path: Path, mtime: float) -> tuple[str, str]:
    source = path.read_text(encoding="utf-8")
    return _title(source), render(source, _link_to)


def _title(source: str) -> str:
    for line in source.splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{#[^}]*\}\s*$", "", line[2:]).strip()
    return ""


def shown(page_slug: str, language: str | None = None) -> Shown | None:
    """The page in `language` (default: the active one), falling back to English."""
    if page_slug not in BY_SLUG:
        return None
    chinese = _is_chinese(language or get_language())
    path = source_path(page_slug, chinese) if chinese else None
    translated = path is not None or not chinese
    path = path or source_path(page_slug, False)
    if path is None:
        return None
    title, html = _rendered(path, path.stat().st_mtime)
    return Shown(page_slug, title, html, path.parent.name == "zh", translated)


def index(language: str | None = None) -> list[tuple[HelpPage, str]]:
    """(page, title in the language) for every page whose file is there."""
    found = []
    for page in PAGES:
        page_shown = shown(page.slug, language)
        if page_shown is not None:
            found.append((page, page_shown.title))
    return found


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class Section:
    slug: str
    page_title: str
    heading: str
    anchor: str
    text: str
    chinese: bool


@dataclass(frozen=True)
class Hit:
    section: Section
    snippet: str
    score: int

    @property
    def url(self) -> str:
        return page_url(self.section.slug, self.section.anchor)


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#([^}]*)\})?\s*$")
MARKUP = re.compile(r"<[^>]{0,40}>|[*_`|>#]+|\[([^\]]*)\]\([^)]*\)")


def _plain(text: str) -> str:
    text = MARKUP.sub(lambda m: m.group(1) or " ", text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=64)
def _sections_of(path: Path, mtime: float, page_slug: str, chinese: bool) -> tuple[Section, ...]:
    source = path.read_text(encoding="utf-8")
    title = _title(source)
    sections: list[Section] = []
    heading, anchor = title, ""
    lines: list[str] = []
    fenced = False

    def close() -> None:
        if heading or lines:
            sections.append(
                Section(
                    page_slug, title, _plain(heading), anchor, _plain("\n".join(lines)), chinese
                )
            )

    for line in source.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        found = None if fenced else HEADING.match(line)
        if found is None:
            lines.append(line)
            continue
        close()
        level, heading, explicit = found.groups()
        anchor = "" if level == "#" else (explicit or slug(heading))
        lines = []
    close()
    return tuple(sections)


def sections(chinese: bool) -> list[Section]:
    found: list[Section] = []
    for page in PAGES:
        path = source_path(page.slug, chinese)
        if path is not None:
            found.extend(_sections_of(path, path.stat().st_mtime, page.slug, chinese))
    return found


SNIPPET = 160
MAX_HITS = 30


def _snippet(text: str, term: str) -> str:
    at = text.casefold().find(term)
    if at < 0:
        return text[:SNIPPET]
    start = max(0, at - SNIPPET // 3)
    prefix = "…" if start else ""
    end = start + SNIPPET
    return prefix + text[start:end] + ("…" if end < len(text) else "")


def search(query: str, language: str | None = None) -> list[Hit]:
    """The sections holding every word of `query` (case-insensitive), headings first; the
    reader's language first, then the other language's pages."""
    terms = [t for t in query.casefold().split() if t][:10]
    if not terms:
        return []
    chinese = _is_chinese(language or get_language())
    hits = []
    for order, in_chinese in enumerate((chinese, not chinese)):
        for section in sections(in_chinese):
            heading, text = section.heading.casefold(), section.text.casefold()
            if not all(
                t in heading or t in text or t in section.page_title.casefold() for t in terms
            ):
                continue
            score = sum(10 * (t in heading) + min(text.count(t), 5) for t in terms)
            score -= 1000 * order
            hits.append(Hit(section, _snippet(section.text, terms[0]), score))
    hits.sort(key=lambda h: -h.score)
    return hits[:MAX_HITS]
