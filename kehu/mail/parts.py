# mypy: disable-error-code="arg-type, return-value"
"""The parts of a received message: which are attachments, their file names and bytes, and
its bodies made safe to show (HTML sanitised with nh3 here, so raw HTML never leaves parsing)."""

import email.utils
import mimetypes
import re
from email.message import Message

import nh3
from django.utils.translation import gettext as _

from kehu.mail.decoding import decode_header_value, raw_header, unescape

HTML_TAGS = nh3.ALLOWED_TAGS - {"img"}  # no remote images: they are tracking beacons
RAW_NAME = re.compile(r'(?i)\b(?:file)?name\s*=\s*"([^"]+)"|\b(?:file)?name\s*=\s*([^;\s]+)')


def clean_html(html: str) -> str:
    """HTML safe to show inside Kehu's pages: no scripts, styles, forms, event handlers or
    remote images; links open safely."""
    return nh3.clean(
        html,
        tags=HTML_TAGS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def html_to_text(html: str) -> str:
    """A plain-text rendering of (already sanitised) HTML, for the timeline and search."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", html)
    text = nh3.clean(text, tags=set())
    import html as html_module

    text = html_module.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def payload(part: Message, problems: list[str]) -> bytes:
    """A part's bytes, its transfer encoding undone (or as sent, when that is broken)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001  (a broken transfer encoding: keep the bytes as they are)
        problems.append(_("A part of the message was not encoded properly."))
        raw = part.get_payload(decode=False)
        return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if data is None:
        return b""
    return data


def attachment_name(part: Message, index: int, content_type: str) -> str:
    """A safe file name for the `index`th attachment: decoded, without folders or control
    characters, at most 200 characters, made up from its type when it has none."""
    name = ""
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001  (a malformed RFC 2231 parameter)
        name = ""
    if not name:
        raw = part.get_param("name", header="content-type")
        # RFC 2231 values come as (charset, language, value)
        try:
            name = email.utils.collapse_rfc2231_value(raw) if isinstance(raw, tuple) else raw or ""
        except (ValueError, LookupError, TypeError):
            name = ""
    if "\ufffd" in name or not name:
        name = _raw_param_filename(part) or name
    name = decode_header_value(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        if content_type == "message/rfc822":
            extension = ".eml"
        name = _("attachment-%(n)s") % {"n": index} + extension
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension[:9]) if dot else name[:200]
    return name


def _raw_param_filename(part: Message) -> str:
    """The file name as the raw 8-bit bytes some clients write (GBK without any encoding),
    which the email package turns into replacement characters."""
    for header in ("Content-Disposition", "Content-Type"):
        raw = raw_header(part, header)
        if raw:
            found = RAW_NAME.search(raw)
            if found:
                return unescape(found.group(1) or found.group(2))
    return ""


MAX_DEPTH = 50


def leaf_parts(msg: Message, problems: list[str]):
    """Leaf parts in order, not descending into attached messages (those are attachments).
    Iterative with a depth cap: a message nested a thousand times deep is read, not fatal."""
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if part.get_content_maintype() == "multipart" and isinstance(part.get_payload(), list):
            if depth >= MAX_DEPTH:
                problems.append(
                    _("The message is nested too deeply; its innermost parts are left out.")
                )
                continue
            stack.extend((sub, depth + 1) for sub in reversed(part.get_payload()))
            continue
        yield part


def is_attachment(part: Message) -> bool:
    """Whether a leaf part is an attachment rather than a body: anything but unnamed text."""
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    try:
        has_name = bool(part.get_filename() or part.get_param("name", header="content-type"))
    except Exception:  # noqa: BLE001
        has_name = True
    if part.get_content_type() in ("text/plain", "text/html"):
        return has_name
    return True  # any other type, text/calendar (an invitation or its answer) included
