"""Telling mail a machine sent from mail a person wrote, so nothing Kehu sends answers a
machine and two robots never write to each other for ever (RFC 3834, RFC 5230).

`automatic_kind` reads the headers only: a bounce (a delivery report, a null return path, a
MAILER-DAEMON or postmaster sender), an auto-reply (`Auto-Submitted` other than "no", the
`X-Autoreply`/`X-Autorespond` family Microsoft and others write), or bulk mail (`Precedence`
bulk/junk/list, a `List-Id`, `X-Auto-Response-Suppress`). "" is a person's mail.
"""

import re
from email.message import Message

from kehu.mail.decoding import raw_header

BOUNCE, AUTO_REPLY, BULK = "bounce", "auto-reply", "bulk"
KINDS = (BOUNCE, AUTO_REPLY, BULK)

#: the local parts of senders that are mail systems, not people
SYSTEM_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)(\+.*)?$", re.I)


def _value(msg: Message, name: str) -> str:
    return (raw_header(msg, name) or "").strip().lower()


def automatic_kind(msg: Message, from_address: str) -> str:
    """BOUNCE, AUTO_REPLY, BULK, or "" for mail a person wrote."""
    local = from_address.rpartition("@")[0] if "@" in from_address else from_address
    return_path = raw_header(msg, "Return-Path")
    content_type = _value(msg, "Content-Type")
    if (
        SYSTEM_SENDERS.match(local.strip())
        or (return_path is not None and return_path.strip().strip("<>").strip() == "")
        or content_type.startswith("multipart/report")
        or msg.get_content_type() == "multipart/report"
    ):
        return BOUNCE
    auto_submitted = _value(msg, "Auto-Submitted").split(";")[0].strip()
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY
    if any(raw_header(msg, name) is not None for name in ("X-Autoreply", "X-Autorespond")):
        return AUTO_REPLY
    if _value(msg, "Precedence") in ("bulk", "junk", "list", "auto_reply"):
        return BULK
    if any(raw_header(msg, name) is not None for name in ("List-Id", "X-Auto-Response-Suppress")):
        return BULK
    return ""
