# mypy: disable-error-code="arg-type, return-value, var-annotated"
"""Reading a received email (RFC 5322 bytes) into plain values Kehu can store.

Mail in the wild is often broken: a MIME boundary that never closes, a charset that does not
exist or is wrong (GB2312 labels on GBK text), encoded-word subjects, 8-bit file names, no Date
or Message-ID. `parse` never raises for such mail: it reads what it can, decodes with
replacement characters rather than failing, and lists what it could not read in `problems`.
HTML bodies are sanitised with nh3 here, so raw HTML never leaves this module.
"""

import datetime
import email
import email.header
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

import nh3
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

#: charsets that mail labels wrongly or narrowly, read as their superset
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "us-ascii": "utf-8",  # 8-bit bytes in "ASCII" mail are nearly always UTF-8
    "ascii": "utf-8",
}
#: tried in order when the label is missing or unknown
FALLBACK_CHARSETS = ("utf-8", "gb18030")
HTML_TAGS = nh3.ALLOWED_TAGS - {"img"}  # no remote images: they are tracking beacons
MAX_HEADER_ID = 255
RAW_NAME = re.compile(r'(?i)\b(?:file)?name\s*=\s*"([^"]+)"|\b(?:file)?name\s*=\s*([^;\s]+)')
KNOWN_HEADERS = re.compile(
    rb"(?im)^(from|to|subject|date|message-id|received|mime-version|return-path):"
)


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    #: None when it is over the size limit and so is not kept
    content: bytes | None

    @property
    def too_large(self) -> bool:
        return self.content is None


@dataclass
class ParsedMessage:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str
    #: when it was written (the Date header), None when missing or unreadable
    date: datetime.datetime | None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: what could not be read, in the reader's language (empty for a clean message)
    problems: list[str] = field(default_factory=list)
    #: the receiving server found the sender forged (see `sender_failed_checks`)
    sender_forged: bool = False


def max_attachment_bytes() -> int:
    return int(getattr(settings, "MAIL_MAX_ATTACHMENT_MB", 20) * 1024 * 1024)


def max_message_bytes() -> int:
    return int(getattr(settings, "MAIL_MAX_MESSAGE_MB", 50) * 1024 * 1024)


def generated_message_id(raw: bytes) -> str:
    """A stable Message-ID for mail that has none: the same bytes always give the same id, so
    reading the message again finds it already stored."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@kehu.generated>"


# ---------------------------------------------------------------- text decoding


def codec_for(charset: str | None) -> str | None:
    """The Python codec to read `charset` with, or None when it is unknown."""
    import codecs

    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in `charset`; unknown or wrong labels fall back to UTF-8 and then
    GB18030, and whatever is still undecodable becomes U+FFFD rather than an error."""
    codec = codec_for(charset)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    for fallback in FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode(codec or "utf-8", errors="replace")


def _unescape(value: str) -> str:
    """Undo the surrogate escapes the email package uses for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"))


def decode_header_value(value) -> str:
    """A header's text: encoded words (=?GBK?B?...?=) decoded, raw 8-bit bytes read as UTF-8 or
    GB18030, folding undone."""
    if value is None:
        return ""
    value = _unescape(str(value))
    try:
        chunks = email.header.decode_header(value)
    except Exception:  # noqa: BLE001  (a malformed encoded word: keep the text as it is)
        return " ".join(value.split())
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    text = "".join(parts)
    return " ".join(text.replace("\x00", "").split())


def _raw_header(msg: Message, name: str) -> str | None:
    """The header as it was written (the first one), without the email package's parsing,
    which raises or guesses on broken values."""
    for key, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _all_raw_headers(msg: Message, name: str) -> list[str]:
    items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    return [str(value) for key, value in items if key.lower() == name.lower()]


AUTH_RESULT = re.compile(r"(?:^|[;\s])(dmarc|spf|dkim)\s*=\s*([a-z]+)")
# a real header is well under 1,000 characters; the parser slows down on huge ones
MAX_AUTH_RESULTS = 8000


def _auth_verdicts(header: str) -> list[tuple[str, str]]:
    """(method, result) pairs of an Authentication-Results header, read by `authres` (so a
    comment such as "arc=pass (i=1 spf=fail)" is no verdict). A header it cannot read (an
    internationalised domain, RFC 8616, or one that breaks the grammar) is searched for its
    method=result pairs instead, as before."""
    import authres

    if len(header) <= MAX_AUTH_RESULTS:
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(header)
        except (authres.AuthResError, RecursionError, ValueError):
            pass
        else:
            return [(str(r.method).lower(), str(r.result).lower()) for r in parsed.results]
    return AUTH_RESULT.findall(header.lower())


def sender_failed_checks(authentication_results: str | None) -> bool:
    """Whether the receiving server's verdict (its Authentication-Results header, RFC 8601)
    is that the From address is forged: DMARC failed, or, with no DMARC verdict, SPF failed
    and no DKIM signature passed.

    Only the topmost such header counts: it is the one the mailbox's own server added (a
    sender can write more below it). Kehu cannot check signatures itself, offline; without
    the header nothing is known and the message is taken as it says.
    """
    if not authentication_results:
        return False
    verdicts: dict[str, set[str]] = {"dmarc": set(), "spf": set(), "dkim": set()}
    for method, result in _auth_verdicts(authentication_results):
        if method in verdicts:
            verdicts[method].add(result)  # a message may carry several DKIM signatures
    if verdicts["dmarc"]:
        return "fail" in verdicts["dmarc"]
    return bool(verdicts["spf"] & {"fail", "softfail"}) and "pass" not in verdicts["dkim"]


# ---------------------------------------------------------------- headers


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs; addresses lower-cased in their domain, names decoded."""
    found = []
    cleaned = [_unescape(v).replace("\r", " ").replace("\n", " ") for v in values]
    for name, address in email.utils.getaddresses(cleaned):
        address = address.strip().strip("<>")
        if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
            continue
        local, _at, domain = address.rpartition("@")
        found.append((decode_header_value(name)[:200], f"{local}@{domain.lower()}"))
    return found


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    ids = re.findall(r"<[^<>\s]+>", _unescape(value))
    if not ids:  # some clients leave out the angle brackets
        ids = [f"<{token}>" for token in _unescape(value).split() if "@" in token]
    return [i[:MAX_HEADER_ID] for i in ids]


def _date(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(_unescape(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)
    if not datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC) <= when:
        return None
    return when


# ---------------------------------------------------------------- bodies and attachments


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


def _payload(part: Message, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001  (a broken transfer encoding: keep the bytes as they are)
        problems.append(_("A part of the message was not encoded properly."))
        raw = part.get_payload(decode=False)
        return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if data is None:
        return b""
    return data


def _filename(part: Message, index: int, content_type: str) -> str:
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
        raw = _raw_header(part, header)
        if raw:
            found = RAW_NAME.search(raw)
            if found:
                return _unescape(found.group(1) or found.group(2))
    return ""


MAX_DEPTH = 50


def _walk(msg: Message, problems: list[str]):
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


def storable(value: str, keep_lines: bool = False) -> str:
    """Text a database stores: no NUL or other control characters (line breaks and tabs kept
    in bodies) and no lone surrogates (which odd encodings such as UTF-7 can produce)."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    allowed = "\n\t" if keep_lines else ""
    return "".join(ch for ch in value if ch.isprintable() or ch in allowed or ch == " ")


def _is_attachment(part: Message) -> bool:
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


def parse(raw: bytes) -> ParsedMessage:
    """Read `raw` (the whole message as received). Never raises for broken mail; anything
    not understood is listed in `problems`. Bytes that are not an email at all (no header)
    raise ValueError."""
    if not isinstance(raw, bytes | bytearray):
        raise TypeError("parse() takes bytes")
    raw = bytes(raw)
    problems: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(b"From "):  # an mbox "From " line some clients write into .eml files
        raw = raw.partition(b"\n")[2]
    head = raw.lstrip()[:8192]
    if not head or not re.match(rb"^[!-9;-~]+:", head) or not KNOWN_HEADERS.search(head):
        raise ValueError(_("This is not an email message (it does not start with mail headers)."))
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # noqa: BLE001  (the modern parser gave up: the lenient one does not)
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    if msg.defects:
        defects = ", ".join(sorted({type(d).__name__ for d in msg.defects}))
        problems.append(
            _("The message's structure is broken (%(defects)s); what could be read is kept.")
            % {"defects": defects}
        )

    senders = _addresses(_all_raw_headers(msg, "From")) or _addresses(
        _all_raw_headers(msg, "Sender")
    )
    from_name, from_address = senders[0] if senders else ("", "")
    ids = _message_ids(_raw_header(msg, "Message-ID"))
    message_id = ids[0] if ids else generated_message_id(raw)
    in_reply_to = (_message_ids(_raw_header(msg, "In-Reply-To")) or [""])[0]
    references = _message_ids(" ".join(_all_raw_headers(msg, "References")))

    texts, htmls, attachments = [], [], []
    kept = 0
    for part in _walk(msg, problems):
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            continue  # a multipart that was not split (broken boundary): its text is below
        if content_type == "message/rfc822" or _is_attachment(part):
            if content_type == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                try:
                    data = inner.as_bytes() if isinstance(inner, Message) else None
                except Exception:  # noqa: BLE001  (a broken attached message: its bytes as sent)
                    data = None
                if data is None:
                    data = _payload(part, problems)
            else:
                data = _payload(part, problems)
            name = _filename(part, len(attachments) + 1, content_type)
            too_large = len(data) > max_attachment_bytes() or kept + len(data) > max_message_bytes()
            if not too_large:
                kept += len(data)
            attachments.append(
                ParsedAttachment(name, content_type[:100], len(data), None if too_large else data)
            )
            continue
        data = _payload(part, problems)
        charset = part.get_content_charset()
        if charset and codec_for(charset) is None:
            problems.append(
                _("Unknown character set “%(charset)s”: the text was read as best it could be.")
                % {"charset": charset[:40]}
            )
        text = decode_bytes(data, charset).replace("\x00", "")
        if content_type == "text/html":
            htmls.append(text)
        else:
            texts.append(text)

    html = clean_html("\n".join(htmls)) if htmls else ""
    text = "\n\n".join(t.strip("\n") for t in texts).strip()
    if not text and html:
        text = html_to_text(html)
    date = _date(_raw_header(msg, "Date"))
    if date is None:
        problems.append(_("The message has no readable date; the time it was received is used."))
    for attachment in attachments:
        attachment.filename = storable(attachment.filename) or "attachment"
        attachment.content_type = storable(attachment.content_type)
    return ParsedMessage(
        message_id=storable(message_id),
        in_reply_to=storable(in_reply_to),
        references=[storable(r) for r in references],
        from_address=storable(from_address),
        from_name=storable(from_name),
        to=[storable(a) for _name, a in _addresses(_all_raw_headers(msg, "To"))],
        cc=[storable(a) for _name, a in _addresses(_all_raw_headers(msg, "Cc"))],
        subject=storable(decode_header_value(_raw_header(msg, "Subject")))[:500],
        text=storable(text, keep_lines=True),
        html=storable(html, keep_lines=True),
        date=date,
        attachments=attachments,
        problems=list(dict.fromkeys(problems)),
        sender_forged=sender_failed_checks(_raw_header(msg, "Authentication-Results")),
    )
