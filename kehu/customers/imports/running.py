"""Importing people, companies (and what other apps register, e.g. leads) from CSV or XLSX
files, fast and resumably.

The file is streamed (never loaded whole), every row is validated with the same rules the
services apply, and good rows are written in batches: one transaction per batch holds the
records, their tag links, one audit entry each and the job's new position, so a crashed
import resumes where the last committed batch ended without writing anything twice.
`import_file(job)` runs a whole job without HTTP (the task and the benchmark call it).
"""

import contextlib
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import events, leases, pinyin, visibility
from kehu.core import text as text_module
from kehu.core.bulk_write import Inserter, _statement_sizes  # noqa: F401 — the tests check it here
from kehu.core.contact import normalize_email, normalize_phone
from kehu.core.models import AuditEntry
from kehu.customers import services
from kehu.customers.fields.values import active_fields, clean_value
from kehu.customers.imports import targets
from kehu.customers.imports.files import (  # noqa: F401 — used here and by the views
    EncodingProblem,
    FileProblem,
    check_width,
    count_data_rows,
    detect_encoding,
    encoding_candidates,
    encoding_label,
    file_rows,
    inspect_file,
    read_sample,
)
from kehu.customers.imports.models import MAX_STORED_ERRORS, ImportJob
from kehu.customers.imports.xlsx import cell_text  # noqa: F401 — part of this module's API
from kehu.customers.models import Company, CustomField, Person, Tag

BATCH_SIZE = 1000
CUSTOM = "custom."
IGNORE = ""

PERSON_FIELDS = targets.PERSON_FIELDS
COMPANY_FIELDS = targets.COMPANY_FIELDS
TEXT_FIELDS = {"title", "city", "address", "industry"}

# Header names (lower-case, without spaces, dashes or underscores) each field is guessed from.
_ALIASES = {
    "name": ["name", "fullname", "contact", "contactname", "customer", "customername", "姓名",
             "名称", "名字", "联系人", "客户", "客户名称", "客户姓名"],
    "email": ["email", "mail", "emailaddress", "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址"],
    "phone": ["phone", "mobile", "tel", "telephone", "cell", "cellphone", "phonenumber",
              "mobilephone", "mobilenumber", "电话", "手机", "手机号", "手机号码", "电话号码",
              "联系电话", "联系方式"],
    "title": ["title", "jobtitle", "position", "role", "职位", "职务", "头衔", "岗位"],
    "company": ["company", "companyname", "organization", "organisation", "employer", "account",
                "公司", "公司名称", "单位", "企业", "所属公司", "工作单位"],
    "city": ["city", "town", "城市", "所在城市", "所在地"],
    "address": ["address", "street", "streetaddress", "地址", "详细地址", "联系地址", "通讯地址"],
    "notes": ["notes", "note", "comments", "comment", "remarks", "remark", "description",
              "background", "备注", "说明", "描述", "简介", "背景"],
    "tags": ["tags", "tag", "labels", "label", "标签"],
    "birthday": ["birthday", "birthdate", "dateofbirth", "dob", "生日", "出生日期"],
    "owner": ["owner", "ownerusername", "assignedto", "负责人", "所有者", "归属人", "跟进人"],
    "website": ["website", "web", "url", "site", "homepage", "网站", "网址", "官网", "主页"],
    "industry": ["industry", "sector", "行业", "所属行业"],
    "company_name": ["company", "companyname", "organization", "organisation", "account",
                     "公司", "公司名称", "单位", "企业", "企业名称"],
    "region": ["region", "area", "territory", "province", "state", "地区", "区域", "大区", "省份"],
    "source": ["source", "leadsource", "channel", "来源", "线索来源", "渠道", "获取渠道"],
    "product_interest": ["product", "productinterest", "interest", "sku", "意向产品", "产品",
                         "感兴趣的产品"],
    "next_step": ["nextstep", "nextaction", "followup", "下一步", "跟进计划", "下一步行动"],
    "next_step_due": ["nextstepdue", "due", "duedate", "followupdate", "跟进日期", "下次跟进",
                      "下次跟进日期"],
}  # fmt: skip
# For a company import, the company's own name is the record's name.
_COMPANY_NAME_ALIASES = ["company", "companyname", "organization", "organisation", "account",
                         "公司", "公司名称", "企业", "企业名称", "单位", "单位名称"]  # fmt: skip
_TAG_SPLIT = re.compile(r"[,;，；、|]")
_NEUTRALISED = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


def model_for(entity: str):
    return targets.get(entity).model()


def base_fields(entity: str) -> list[str]:
    return targets.get(entity).fields


def field_label(entity: str, name: str, definitions: dict | None = None) -> str:
    if name.startswith(CUSTOM):
        definition = (definitions or {}).get(name[len(CUSTOM) :])
        return definition.display_label if definition else name[len(CUSTOM) :]
    if name == "owner":
        return _("owner (username)")
    if name == "company":
        return _("company (by name)")
    label = targets.get(entity).labels.get(name)
    if label is not None:
        return str(label)
    return str(model_for(entity)._meta.get_field(name).verbose_name)


def field_choices(entity: str, definitions: list[CustomField] | None = None) -> list:
    """(value, label) pairs for the mapping select of one column, "ignore" first."""
    definitions = active_fields(entity) if definitions is None else definitions
    choices = [(IGNORE, _("— ignore —"))]
    choices += [(name, field_label(entity, name)) for name in base_fields(entity)]
    choices += [(CUSTOM + d.key, d.display_label) for d in definitions]
    return choices


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-:：*（）()]+", "", (text or "").lower())


def guess_mapping(headers: list[str], entity: str, definitions: list[CustomField]) -> list[str]:
    """A Kehu field per column, guessed from English and Chinese header names; each used once."""
    aliases: dict[str, str] = {}
    for d in definitions:
        for text in (d.key, d.label, d.label_zh):
            if text:
                aliases.setdefault(_header_key(text), CUSTOM + d.key)
    if entity == "company":
        for alias in _COMPANY_NAME_ALIASES:
            aliases.setdefault(alias, "name")
    allowed = set(base_fields(entity))
    for name, words in _ALIASES.items():
        if name in allowed:
            for word in words:
                aliases.setdefault(word, name)
    used: set[str] = set()
    mapping = []
    for header in headers:
        guess = aliases.get(_header_key(header), IGNORE)
        if guess in used:
            guess = IGNORE
        used.add(guess)
        mapping.append(guess)
    return mapping


def check_mapping(mapping: list[str], entity: str, definitions: list[CustomField]) -> list[str]:
    """Problems with a mapping that would make every row fail (shown before importing)."""
    problems = []
    allowed = set(base_fields(entity)) | {CUSTOM + d.key for d in definitions}
    chosen = [m for m in mapping if m != IGNORE]
    unknown = [m for m in chosen if m not in allowed]
    if unknown:
        problems.append(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    twice = sorted({m for m in chosen if chosen.count(m) > 1})
    if twice:
        labels = ", ".join(field_label(entity, m, {d.key: d for d in definitions}) for m in twice)
        problems.append(_("Each field can be chosen for one column only: %(f)s.") % {"f": labels})
    if "name" not in chosen:
        problems.append(_("Choose the column that holds the name."))
    for d in definitions:
        if d.required and CUSTOM + d.key not in chosen:
            problems.append(
                _("“%(label)s” is required: choose the column that holds it.")
                % {"label": d.display_label}
            )
    return problems


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


# -- search documents ---------------------------------------------------------------------------


def person_document(values: dict, company_name: str) -> str:
    get = values.get
    return services.person_search_text(get("name", ""), get("email", ""), get("phone", ""),
                                       company_name)  # fmt: skip


def company_document(values: dict) -> str:
    get = values.get
    return services.company_search_text(get("name", ""), get("email", ""), get("website", ""),
                                        get("phone", ""))  # fmt: skip


# -- writing ------------------------------------------------------------------------------------


class BatchWriter:
    """Writes the good rows of one batch, with companies, tags and audit entries."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.user = job.user
        self.model = model_for(job.entity)
        self.content_type_id = ContentType.objects.get_for_model(self.model).pk
        self.company_type_id = ContentType.objects.get_for_model(Company).pk
        self.tag_ids: dict[str, int] = {}
        self.company_ids: dict[str, int] = {}
        self._pending = None
        skip = ("deleted_at", "deleted_by_id")
        self.records = Inserter(self.model, skip)
        self.companies = self.records if self.model is Company else Inserter(Company, skip)
        self.links = Inserter(self.model.tags.through)
        self.audits = Inserter(AuditEntry)

    def companies_for(self, names: set[str]) -> tuple[dict[str, int], set[str]]:
        """Ids of visible companies with these exact names, and the names not found."""
        found = {n: self.company_ids[n] for n in names if n in self.company_ids}
        wanted = names - set(found)
        if wanted:
            rows = (  # the oldest company of a name wins; one row per name, however many
                Company.objects.visible_to(self.user)
                .filter(name__in=wanted)
                .order_by()
                .values("name")
                .annotate(first=Min("id"))
                .values_list("name", "first")
            )
            found.update(dict(rows))
        return found, names - set(found)

    def _tags_for(self, names: set[str]) -> dict[str, int]:
        ids = {n: self.tag_ids[n] for n in names if n in self.tag_ids}
        wanted = names - set(ids)
        if wanted:
            ids.update(dict(Tag.objects.filter(name__in=wanted).values_list("name", "id")))
            missing = wanted - set(ids)
            if missing:
                Tag.objects.bulk_create([Tag(name=n) for n in missing], ignore_conflicts=True)
                ids.update(dict(Tag.objects.filter(name__in=missing).values_list("name", "id")))
        return ids

    def write(self, rows: list[Row]) -> tuple[int, int]:
        """Create records for `rows` (all valid); returns (records, companies created).
        Call inside a transaction."""
        if not rows:
            return 0, 0
        now = timezone.now()
        user_id = self.user.pk
        audits = []
        company_ids: dict[str, int] = {}
        created_companies = 0
        base = {"created_by_id": user_id, "created_at": now, "updated_at": now, "version": 1}
        same_audit = {"action": AuditEntry.Action.IMPORT.value, "actor_id": user_id, "at": now}
        is_person = self.model is Person
        if is_person:
            names = {r.company_name for r in rows if r.company_name}
            company_ids, missing = self.companies_for(names)
            missing = sorted(missing)
            if missing:
                new_ids = self.companies.insert(
                    [{"name": n, "search_text": company_document({"name": n})} for n in missing],
                    returning=True,
                    same={**base, "owner_id": user_id, "custom": {}},
                )
                created_companies = len(new_ids)
                for name, pk in zip(missing, new_ids, strict=True):
                    company_ids[name] = pk
                    audits.append(self._audit(pk, self.company_type_id, now, {"name": name}))
        values = []
        for row in rows:
            record = {**row.values, "custom": row.custom, "owner_id": row.owner_id}
            if is_person:
                record["company_id"] = company_ids.get(row.company_name)
                record["search_text"] = person_document(row.values, row.company_name)
            else:
                record["search_text"] = company_document(row.values)
            values.append(record)
        ids = self.records.insert(values, returning=True, same=base)
        tag_ids = self._tags_for({name for r in rows for name in r.tags})
        link_field = "person_id" if is_person else "company_id"
        links = [
            {link_field: pk, "tag_id": tag_ids[name], "owner_id": row.owner_id}
            for pk, row in zip(ids, rows, strict=True)
            for name in row.tags
        ]
        if links:
            self.links.insert(links)
        for pk, row in zip(ids, rows, strict=True):
            shown = {k: v for k, v in row.values.items() if v not in (None, "")}
            if row.company_name:
                shown["company"] = row.company_name
            if row.tags:
                shown["tags"] = ", ".join(sorted(row.tags))
            for key, value in row.custom.items():
                shown[f"custom.{key}"] = value
            if row.owner_name:
                shown["owner"] = row.owner_name
            audits.append(self._audit(pk, self.content_type_id, now, shown))
        self.audits.insert(audits, same=same_audit)
        self._pending = (tag_ids, company_ids)
        return len(ids), created_companies

    def _audit(self, pk: int, content_type_id: int, now, shown: dict) -> dict:
        changes = {k: [None, _display(v)] for k, v in shown.items()}
        changes["_import"] = self.job.pk
        return {"content_type_id": content_type_id, "object_id": pk, "changes": changes}

    def committed(self) -> None:
        """Remember the batch's tags and companies once its transaction has committed."""
        if self._pending:
            if len(self.company_ids) > 100_000:
                self.company_ids.clear()
            self.tag_ids.update(self._pending[0])
            self.company_ids.update(self._pending[1])
        self._pending = None


def _display(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


# -- running a job ------------------------------------------------------------------------------


def _record_errors(job: ImportJob, rows: list[Row]) -> None:
    for row in rows:
        job.error_count += 1
        if len(job.errors) < MAX_STORED_ERRORS:
            job.errors.append({"line": row.line, "reason": row.reason})


def process_batch(job: ImportJob, reader: RowReader, writer: BatchWriter, batch: list) -> None:
    """Validate and write one batch of (line, cells); commit it with the job's position and a
    renewed lease. Raises LostLease (and commits nothing) when the job is no longer ours: its
    lease ran out and another worker took it over, or it was stopped."""
    rows = [reader.read(line, cells) for line, cells in batch if any(c.strip() for c in cells)]
    find_duplicates(writer.model, job.user, rows, job.entity)
    good = [r for r in rows if not r.errors]
    bad = [r for r in rows if r.errors]
    with transaction.atomic():
        written, companies = writer.write(good)
        bad += [r for r in good if r.errors]  # refused while writing (leads, row by row)
        job.imported += written
        job.companies_created += companies
        job.skipped += len(bad)
        _record_errors(job, bad)
        job.processed += len(batch)
        job.position = batch[-1][0]
        leases.heartbeat(
            ImportJob.objects.filter(status=ImportJob.Status.RUNNING),
            job.pk,
            job.lease_token,
            imported=job.imported,
            companies_created=job.companies_created,
            skipped=job.skipped,
            errors=job.errors,
            error_count=job.error_count,
            processed=job.processed,
            position=job.position,
        )
    writer.committed()
    if good:
        events.emit(f"{job.entity}.imported", actor=job.user, job=job, count=written)


def _current_status(job: ImportJob) -> str:
    return ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()


def import_file(job: ImportJob, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
                token: str | None = None) -> ImportJob:  # fmt: skip
    """Run (or resume) an import job to the end; returns the job.

    The job is leased first (`kehu.core.leases`): while a live worker holds it, another run
    returns at once, so two workers never import the same file together. Rows up to
    `job.position` were committed by an earlier run and are skipped. `max_batches` stops
    early, leaving the job running with its lease given up, as a worker that died leaves it
    once its lease has run out: that is how tests simulate a crash.
    """
    job.refresh_from_db()
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED):
        return job
    if not visibility.can(job.user, model_for(job.entity).module, "create"):
        _finish(job, ImportJob.Status.FAILED, _("You are not allowed to create these records."))
        return job
    started_at = job.started_at or timezone.now()
    total_rows = job.total_rows
    if total_rows is None:
        try:
            total_rows = count_rows(job)
        except FileProblem as exc:  # refused whole, before any row is written
            _finish(job, ImportJob.Status.FAILED, str(exc))
            return job
    token = leases.claim(
        ImportJob.objects.exclude(status__in=[ImportJob.Status.DONE, ImportJob.Status.CANCELLED]),
        job.pk,
        token=token,
        status=ImportJob.Status.RUNNING,
        started_at=started_at,
        total_rows=total_rows,
    )
    job.refresh_from_db()  # the position is final now: only the lease holder moves it
    if token is None:
        return job  # finished, stopped, or a live worker runs it
    job.lease_token = token
    reader = RowReader(job)
    writer = (targets.get(job.entity).writer or BatchWriter)(job)
    try:
        pinyin.prepare()  # its one-off load peaks before the batches take their memory
        with _small_page_cache():
            return _run_batches(job, reader, writer, batch_size, max_batches)
    except leases.LostLease:
        job.refresh_from_db()  # another worker goes on from the last committed batch
        return job
    except FileProblem as exc:
        _finish(job, ImportJob.Status.FAILED, str(exc))
        return job
    except Exception:
        job.refresh_from_db()
        job.lease_token = token  # fail it only while it is ours
        _finish(job, ImportJob.Status.FAILED, _("The import stopped because of an unexpected "
                                                "error. Start it again to continue."))  # fmt: skip
        raise


@contextlib.contextmanager
def _small_page_cache():
    """Run with a 16 MB SQLite page cache instead of the connection's usual 64 MB.

    An import touches index pages all over the tables and would fill the whole cache; the
    smaller one costs little speed and keeps the import within its memory budget.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        usual = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -16000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(usual)}")


def _run_batches(job: ImportJob, reader: RowReader, writer: BatchWriter, batch_size: int,
                 max_batches: int | None) -> ImportJob:  # fmt: skip
    """Validate and write the file's rows batch by batch, stopping if the job is cancelled."""
    batches = 0
    batch: list = []
    for line, cells in data_rows(job, after_line=job.position):
        batch.append((line, cells))
        if len(batch) >= batch_size:
            if _current_status(job) == ImportJob.Status.CANCELLED:
                job.status = ImportJob.Status.CANCELLED
                return job
            process_batch(job, reader, writer, batch)
            batch = []
            batches += 1
            if max_batches is not None and batches >= max_batches:
                leases.release(ImportJob.objects, job.pk, job.lease_token)
                job.lease_until, job.lease_token = None, ""
                return job
    if batch:
        if _current_status(job) == ImportJob.Status.CANCELLED:
            job.status = ImportJob.Status.CANCELLED
            return job
        process_batch(job, reader, writer, batch)
    if job.total_rows is None or job.total_rows != job.processed:
        job.total_rows = job.processed
    _finish(job, ImportJob.Status.DONE, "")
    return job


def _finish(job: ImportJob, status: str, message: str) -> None:
    """Mark the job finished and end its lease, unless someone cancelled it meanwhile (or,
    for a job we lease, another worker took it over)."""
    finished_at = timezone.now()
    updated = leases.release(
        ImportJob.objects.exclude(status=ImportJob.Status.CANCELLED),
        job.pk,
        job.lease_token or None,
        status=status,
        message=message,
        finished_at=finished_at,
        total_rows=job.total_rows,
    )
    if updated:
        job.status, job.message, job.finished_at = status, message, finished_at
        job.lease_until, job.lease_token = None, ""
    else:  # cancelled, or finished by the worker that took it over
        job.refresh_from_db(fields=["status", "message", "finished_at"])


# -- preview ------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    cells: list
    errors: list
    company_note: str = ""


def preview(job: ImportJob, mapping: list[str], limit: int = 10) -> list[PreviewRow]:
    """How the first rows would be read with `mapping`, and which would fail and why."""
    reader = RowReader(job, mapping)
    raw = []
    for line, cells in data_rows(job):
        if any(c.strip() for c in cells):
            raw.append((line, cells))
        if len(raw) >= limit:
            break
    rows = [reader.read(line, cells) for line, cells in raw]
    model = model_for(job.entity)
    find_duplicates(model, job.user, rows, job.entity)
    names = {r.company_name for r in rows if r.company_name}
    existing, _missing = BatchWriter(job).companies_for(names) if names else ({}, set())
    result = []
    for (_line, cells), row in zip(raw, rows, strict=True):
        note = ""
        if row.company_name:
            if row.company_name in existing:
                note = _("links to the existing company “%(name)s”") % {"name": row.company_name}
            else:
                note = _("creates the company “%(name)s”") % {"name": row.company_name}
        shown = [cells[i] if i < len(cells) else "" for i in range(len(mapping))]
        result.append(PreviewRow(row.line, shown, row.errors, note))
    return result
