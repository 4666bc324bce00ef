# mypy: disable-error-code="arg-type, var-annotated"
"""Reading a received email (RFC 5322 bytes) into plain values Kehu can store.

Mail in the wild is often broken: a MIME boundary that never closes, a charset that does not
exist or is wrong (GB2312 labels on GBK text), encoded-word subjects, 8-bit file names, no Date
or Message-ID. `parse` never raises for such mail: it reads what it can, decodes with
replacement characters rather than failing, and lists what it could not read in `problems`.
Text is decoded in `decoding`, the parts are told apart (and HTML bodies sanitised, so raw
HTML never leaves parsing) in `parts`, the sender's authentication verdict is read in
`sender_checks`; this module reads the headers and puts the message together.
"""

import datetime
import email
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.mail.automatic import automatic_kind
from kehu.mail.decoding import (
    all_raw_headers,
    codec_for,
    decode_bytes,
    decode_header_value,
    raw_header,
    storable,
    unescape,
)
from kehu.mail.parts import (
    attachment_name,
    clean_html,
    html_to_text,
    is_attachment,
    leaf_parts,
    payload,
)
from kehu.mail.sender_checks import sender_failed_checks

__all__ = ["ParsedAttachment", "ParsedMessage", "generated_message_id", "max_message_bytes",
           "parse", "sender_failed_checks"]  # fmt: skip

MAX_HEADER_ID = 255
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
    #: a machine sent it: "bounce", "auto-reply" or "bulk" (`kehu.mail.automatic`); "" a person
    automatic: str = ""


def max_attachment_bytes() -> int:
    return int(getattr(settings, "MAIL_MAX_ATTACHMENT_MB", 20) * 1024 * 1024)


def max_message_bytes() -> int:
    return int(getattr(settings, "MAIL_MAX_MESSAGE_MB", 50) * 1024 * 1024)


def generated_message_id(raw: bytes) -> str:
    """A stable Message-ID for mail that has none: the same bytes always give the same id, so
    reading the message again finds it already stored."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@kehu.generated>"


# ---------------------------------------------------------------- headers


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs; addresses lower-cased in their domain, names decoded."""
    found = []
    cleaned = [unescape(v).replace("\r", " ").replace("\n", " ") for v in values]
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
    ids = re.findall(r"<[^<>\s]+>", unescape(value))
    if not ids:  # some clients leave out the angle brackets
        ids = [f"<{token}>" for token in unescape(value).split() if "@" in token]
    return [i[:MAX_HEADER_ID] for i in ids]


def _date(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(unescape(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=datetime.UTC)
    if not datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC) <= when:
        return None
    return when


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

    senders = _addresses(all_raw_headers(msg, "From")) or _addresses(all_raw_headers(msg, "Sender"))
    from_name, from_address = senders[0] if senders else ("", "")
    ids = _message_ids(raw_header(msg, "Message-ID"))
    message_id = ids[0] if ids else generated_message_id(raw)
    in_reply_to = (_message_ids(raw_header(msg, "In-Reply-To")) or [""])[0]
    references = _message_ids(" ".join(all_raw_headers(msg, "References")))

    texts, htmls, attachments = [], [], []
    kept = 0
    for part in leaf_parts(msg, problems):
        content_type = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            continue  # a multipart that was not split (broken boundary): its text is below
        if content_type == "message/rfc822" or is_attachment(part):
            if content_type == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                try:
                    data = inner.as_bytes() if isinstance(inner, Message) else None
                except Exception:  # noqa: BLE001  (a broken attached message: its bytes as sent)
                    data = None
                if data is None:
                    data = payload(part, problems)
            else:
                data = payload(part, problems)
            name = attachment_name(part, len(attachments) + 1, content_type)
            too_large = len(data) > max_attachment_bytes() or kept + len(data) > max_message_bytes()
            if not too_large:
                kept += len(data)
            attachments.append(
                ParsedAttachment(name, content_type[:100], len(data), None if too_large else data)
            )
            continue
        data = payload(part, problems)
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
    date = _date(raw_header(msg, "Date"))
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
        to=[storable(a) for _name, a in _addresses(all_raw_headers(msg, "To"))],
        cc=[storable(a) for _name, a in _addresses(all_raw_headers(msg, "Cc"))],
        subject=storable(decode_header_value(raw_header(msg, "Subject")))[:500],
        text=storable(text, keep_lines=True),
        html=storable(html, keep_lines=True),
        date=date,
        attachments=attachments,
        problems=list(dict.fromkeys(problems)),
        sender_forged=sender_failed_checks(raw_header(msg, "Authentication-Results")),
        automatic=automatic_kind(msg, from_address),
    )
