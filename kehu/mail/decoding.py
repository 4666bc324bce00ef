"""Text from a received message's bytes and headers, whatever charset they claim.

Mail labels charsets wrongly or not at all (GB2312 on GBK text, 8-bit "ASCII" that is UTF-8),
writes raw 8-bit header bytes, and breaks encoded words; nothing here raises for that: text is
read with the superset charset, then UTF-8, then GB18030, and what still cannot be read becomes
U+FFFD. `storable` makes any of it safe for the database.
"""

import email.header
from email.message import Message

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


def unescape(value: str) -> str:
    """Undo the surrogate escapes the email package uses for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"))


def decode_header_value(value) -> str:
    """A header's text: encoded words (=?GBK?B?...?=) decoded, raw 8-bit bytes read as UTF-8 or
    GB18030, folding undone."""
    if value is None:
        return ""
    value = unescape(str(value))
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


def raw_header(msg: Message, name: str) -> str | None:
    """The header as it was written (the first one), without the email package's parsing,
    which raises or guesses on broken values."""
    for key, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def all_raw_headers(msg: Message, name: str) -> list[str]:
    """Every header of that name as written (From, To, References may come more than once)."""
    items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    return [str(value) for key, value in items if key.lower() == name.lower()]


def storable(value: str, keep_lines: bool = False) -> str:
    """Text a database stores: no NUL or other control characters (line breaks and tabs kept
    in bodies) and no lone surrogates (which odd encodings such as UTF-7 can produce)."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    allowed = "\n\t" if keep_lines else ""
    return "".join(ch for ch in value if ch.isprintable() or ch in allowed or ch == " ")
