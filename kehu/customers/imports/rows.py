# mypy: disable-error-code="attr-defined, operator"
"""Reading an import file's rows: the data rows of a job's file, each row validated into field
values with the services' rules, duplicates found, and the preview of the first rows."""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import text as text_module
from kehu.core.contact import normalize_email, normalize_phone
from kehu.customers import services
from kehu.customers.fields.values import active_fields, clean_value
from kehu.customers.imports import targets
from kehu.customers.imports.files import (
    count_data_rows,
    encoding_candidates,
    encoding_label,
    file_rows,
    read_sample,
)
from kehu.customers.imports.mapping import CUSTOM, field_label, model_for
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Company

_TAG_SPLIT = re.compile(r"[,;，；、|]")
_NEUTRALISED = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


# -- reading files (kept within limits by import_files) --------------------------------------------


def data_rows(job: ImportJob, after_line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each data row after `after_line`; the header is line 1."""
    rows = file_rows(job.path, job.format, job.encoding, job.delimiter)
    try:
        for line, row in enumerate(rows, start=1):
            if line > after_line:
                yield line, row
    finally:
        rows.close()


def encoding_choices(job: ImportJob) -> list[tuple[str, str]]:
    """(encoding, label) for the encodings the file's start decodes in, most likely first;
    the job's own encoding is always among them. Empty for XLSX (it says its own)."""
    if job.format != ImportJob.Format.CSV:
        return []
    try:
        sample, at_end = read_sample(job.path)
    except OSError:
        return []
    found = encoding_candidates(sample, at_end)
    if job.encoding and job.encoding not in found:
        found.insert(0, job.encoding)
    return [(encoding, encoding_label(encoding)) for encoding in found]


def count_rows(job: ImportJob) -> int:
    """The number of data rows. The whole file is read through the limits, so a file that
    fails one (a huge cell on line 90,000) is refused before anything is written."""
    return count_data_rows(job.path, job.format, job.encoding, job.delimiter)


# -- reading rows ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    line: int
    values: dict = field(default_factory=dict)
    custom: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    company_name: str = ""
    owner_id: int | None = None
    owner_name: str = ""
    errors: list = field(default_factory=list)

    @property
    def reason(self) -> str:
        return " ".join(self.errors)


def _parse_date(text: str) -> datetime.date:
    text = text.strip()
    if " " in text:
        text = text.split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise ValidationError(_("Enter a date as YYYY-MM-DD."))


def split_tags(text: str) -> list[str]:
    names = []
    for part in _TAG_SPLIT.split(text or ""):
        name = part.strip()[:50]
        if name and name not in names:
            names.append(name)
    return names


class RowReader:
    """Turns one file row into validated field values, mirroring the services' rules."""

    def __init__(self, job: ImportJob, mapping: list[str] | None = None):
        self.entity = job.entity
        self.user = job.user
        self.model = model_for(job.entity)
        self.cell_readers = targets.get(job.entity).cell_readers
        self.mapping = list(mapping if mapping is not None else job.mapping)
        definitions = active_fields(job.entity)
        self.definitions = {d.key: d for d in definitions}
        self.required_custom = [d for d in definitions if d.required]
        self.columns = [(i, name) for i, name in enumerate(self.mapping) if name]
        self.labels = {n: field_label(self.entity, n, self.definitions) for _i, n in self.columns}
        self.limits = {}
        for _i, name in self.columns:
            special = ("tags", "owner", "company", *self.cell_readers)
            if not name.startswith(CUSTOM) and name not in special:
                model_field = self.model._meta.get_field(name)
                if getattr(model_field, "max_length", None):
                    self.limits[name] = model_field.max_length
        self.owners: dict[str, tuple[int | None, str]] = {}
        self.lookups: dict[str, dict] = {}  # per-file caches of what cell readers look up
        self.url_validator = URLValidator()
        self.region = settings.PHONE_DEFAULT_REGION

    def read(self, line: int, cells: list[str]) -> Row:
        row = Row(line)
        errors = row.errors
        values = row.values
        width = len(cells)
        for index, name in self.columns:
            raw = cells[index] if index < width else ""
            try:
                self._read_cell(row, name, raw)
            except ValidationError as exc:
                errors.append(f"{self.labels[name]}: {' '.join(exc.messages)}")
        name_label = self.labels.get("name") or _("name")
        if not values.get("name") and not any(e.startswith(name_label + ":") for e in errors):
            errors.append(f"{name_label}: {_('This field is required.')}")
        for definition in self.required_custom:
            if row.custom.get(definition.key) in (None, "", []):
                message = f"{definition.display_label}: {_('This field is required.')}"
                if message not in errors:
                    errors.append(message)
        if row.owner_id is None:
            row.owner_id = self.user.pk
        return row

    def _read_cell(self, row: Row, name: str, raw: str) -> None:
        if "\x00" in raw:
            raw = raw.replace("\x00", "")  # PostgreSQL text cannot hold NUL
        if raw[:1] == "'" and raw[1:2] in _NEUTRALISED:
            raw = raw[1:]  # undo the apostrophe an export put before =, +, -, @
        if name.startswith(CUSTOM):
            definition = self.definitions[name[len(CUSTOM) :]]
            value = clean_value(definition, raw.strip() if isinstance(raw, str) else raw)
            if value is not None:
                row.custom[definition.key] = value
            return
        if name == "notes":
            row.values["notes"] = raw
            return
        text = raw.strip()
        text_module.validate_one_line(text)  # a name or title holds one line, as on the form
        if name == "email":
            text = normalize_email(text)
        elif name == "phone":
            text = normalize_phone(text, self.region)
        elif name == "website" and text:
            if "://" not in text:
                text = "https://" + text
            self.url_validator(text)
        elif name in ("birthday", "next_step_due"):
            row.values[name] = _parse_date(text) if text else None
            return
        elif name in self.cell_readers:  # a field its record type reads itself
            row.values[name] = self.cell_readers[name](self, text)
            return
        elif name == "tags":
            row.tags = split_tags(text)
            return
        elif name == "company":
            if len(text) > Company._meta.get_field("name").max_length:
                raise ValidationError(_("The company name is too long."))
            row.company_name = text
            return
        elif name == "owner":
            if text:
                row.owner_id = self._owner(text)
                row.owner_name = text
            return
        limit = self.limits.get(name)
        if limit and len(text) > limit:
            raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
        row.values[name] = text

    def _owner(self, username: str) -> int:
        if username not in self.owners:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                self.owners[username] = (
                    None,
                    _("There is no active user “%(u)s”.") % {"u": username},
                )
            else:
                try:
                    self.owners[username] = (services.resolve_owner(self.user, user).pk, "")
                except ValidationError as exc:
                    self.owners[username] = (None, " ".join(exc.messages))
        owner_id, problem = self.owners[username]
        if owner_id is None:
            raise ValidationError(problem)
        return owner_id


def find_duplicates(model, user, rows: list[Row], entity: str) -> None:
    """Mark rows whose email or phone is on a visible live record, or on an earlier row."""
    visible = model.objects.visible_to(user)
    emails = {r.values["email"] for r in rows if not r.errors and r.values.get("email")}
    phones = {r.values["phone"] for r in rows if not r.errors and r.values.get("phone")}
    taken_emails = (
        set(visible.filter(email__in=emails).values_list("email", flat=True)) if emails else set()
    )
    taken_phones = (
        set(visible.filter(phone__in=phones).values_list("phone", flat=True)) if phones else set()
    )
    label = model._meta.verbose_name
    seen_emails: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        email, phone = row.values.get("email"), row.values.get("phone")
        if email and email in taken_emails:
            row.errors.append(
                _("Duplicate: a %(what)s with email %(email)s already exists.")
                % {"what": label, "email": email}
            )
        elif phone and phone in taken_phones:
            row.errors.append(
                _("Duplicate: a %(what)s with phone %(phone)s already exists.")
                % {"what": label, "phone": phone}
            )
        elif email and email in seen_emails:
            row.errors.append(
                _("Duplicate: same email as line %(line)d.") % {"line": seen_emails[email]}
            )
        elif phone and phone in seen_phones:
            row.errors.append(
                _("Duplicate: same phone as line %(line)d.") % {"line": seen_phones[phone]}
            )
        else:
            if email:
                seen_emails[email] = row.line
            if phone:
                seen_phones[phone] = row.line
