# mypy: disable-error-code="attr-defined"
"""An XLSX file's zip, opened and unpacked within the import limits.

An XLSX file is a zip of XML parts, so it can hold a zip bomb, an XML bomb or one text of
hundreds of megabytes. Before anything is unpacked, the zip's directory is checked (parts,
unpacked sizes, compression ratios); while unpacking, every part is checked byte by byte (no
more than it declared, no DTD, no tag or text over XML_TOKEN_BYTES). Reading the sheet from
it is `xlsx.py`.
"""

import io
import zipfile

from django.utils.translation import gettext as _

from kehu.customers.imports.files import SAMPLE_BYTES, FileProblem, Limits, limits

#: XLSX parts openpyxl reads whole (manifest, workbook, relationships, styles): at most this
WHOLE_PART_BYTES = 8 * 1024 * 1024
#: parts this small cannot hurt, whatever their compression ratio
RATIO_FREE_BYTES = 1024 * 1024
#: bytes of XML between two "<" (one tag, or one piece of text); a cell of 32,767 characters
#: written as character references takes about 330 KB
XML_TOKEN_BYTES = 1024 * 1024
#: a zip's central directory: entries and size (an XLSX has a few dozen parts)
ZIP_ENTRIES = 10_000
ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024


def _xml_token_too_large() -> FileProblem:
    return FileProblem(
        _(
            "This XLSX file holds a cell of more than %(max)s characters (the most a cell can "
            "hold), or it is malformed. Shorten the cell and upload the file again."
        )
        % {"max": f"{limits().cell_chars:,}"}
    )


def unreadable_xlsx() -> FileProblem:
    return FileProblem(_("This is not a readable XLSX file."))


class _GuardedPart(io.RawIOBase):
    """One part of the zip, unpacked as it is read, refused as soon as it unpacks to more
    than it declared or than the limit; XML parts are also refused when they hold a DTD,
    comment or CDATA section (Excel writes none) or a tag or text longer than XML_TOKEN_BYTES,
    so no single XML token can grow the parser's buffers."""

    def __init__(self, raw, name: str, limit: int, xml: bool):
        super().__init__()
        self._raw = raw
        self._name = name
        self._limit = limit
        self._xml = xml
        self.position = 0
        self._run = 0  # bytes since the last "<"
        self._last = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(SAMPLE_BYTES), b""))
        data = self._raw.read(min(size, XML_TOKEN_BYTES))
        self.position += len(data)
        if self.position > self._limit:
            raise unreadable_xlsx()
        if self._xml and data:
            self._check_xml(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _check_xml(self, data: bytes) -> None:
        joined = self._last + data
        if b"<!" in joined:
            raise unreadable_xlsx()
        base = self.position - len(joined)  # where `joined` starts in the part
        at = joined.find(b"<?")
        while at != -1:
            if base + at > 3:  # only the XML declaration, at the start (after a BOM)
                raise unreadable_xlsx()
            at = joined.find(b"<?", at + 1)
        first = data.find(b"<")
        if first == -1:
            self._run += len(data)
        else:
            if self._run + first > XML_TOKEN_BYTES:
                raise _xml_token_too_large()
            self._run = len(data) - data.rfind(b"<") - 1
        if self._run > XML_TOKEN_BYTES:
            raise _xml_token_too_large()
        self._last = data[-1:]

    def close(self) -> None:
        self._raw.close()
        super().close()


class GuardedZip(zipfile.ZipFile):
    """A ZipFile whose parts are unpacked through `_GuardedPart`; parts read whole (what
    openpyxl parses into a tree) may be at most WHOLE_PART_BYTES."""

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        raw = super().open(info, mode, pwd, force_zip64=force_zip64)
        xml = info.filename.endswith((".xml", ".rels"))
        return _GuardedPart(raw, info.filename, min(info.file_size, self.part_limit), xml)

    def read(self, name, pwd=None):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > WHOLE_PART_BYTES:
            raise unreadable_xlsx()
        with self.open(info) as part:
            return part.read()


def open_xlsx(path, lim: Limits) -> GuardedZip:
    """The workbook's zip, after checking what its central directory declares: how many
    parts, their unpacked sizes and compression ratios (a zip bomb is refused here, before
    anything is unpacked)."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # the zip's last record, read before ZipFile
    except (OSError, AttributeError):  # AttributeError: a Python without it; ZipFile checks
        end = True
    if not end:
        raise unreadable_xlsx()
    if end is not True and (end[zipfile._ECD_ENTRIES_TOTAL] > ZIP_ENTRIES
                            or end[zipfile._ECD_SIZE] > ZIP_DIRECTORY_BYTES):  # fmt: skip
        raise unreadable_xlsx()
    try:
        archive = GuardedZip(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise unreadable_xlsx() from exc
    archive.part_limit = lim.unpacked_bytes
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > lim.unpacked_bytes:
            archive.close()
            raise FileProblem(
                _(
                    "This XLSX file unpacks to more than %(max)s MB, the limit. Save it as CSV, "
                    "or split it into smaller files."
                )
                % {"max": lim.unpacked_bytes // (1024 * 1024)}
            )
        if info.file_size > RATIO_FREE_BYTES and ratio > lim.ratio:
            archive.close()
            raise FileProblem(
                _(
                    "This XLSX file is compressed more than %(max)s to 1, which spreadsheets "
                    "never are; it is refused to protect the server. Save it as CSV and upload "
                    "that."
                )
                % {"max": lim.ratio}
            )
    return archive
