# mypy: disable-error-code="attr-defined"
"""Import (upload → map columns with a preview → background run with progress) and export."""

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core import audit, visibility
from kehu.core.records import VersionConflict
from kehu.customers import exporting
from kehu.customers.duplicates.matching import reason_labels
from kehu.customers.fields.values import active_fields
from kehu.customers.imports import files as import_files
from kehu.customers.imports import jobs as import_jobs
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports import rows as import_rows
from kehu.customers.imports import running as importing
from kehu.customers.imports.models import ImportJob
from kehu.customers.queries import apply_filters

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


#: the permission module each importable kind belongs to
MODULE_OF = import_jobs.MODULE_OF


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=gettext_lazy("Import"), choices=ImportJob.Entity.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8, GBK, Big5 or Windows-1252; comma, semicolon or tab) or Excel .xlsx; "
            "the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [
            (value, label)
            for value, label in ImportJob.Entity.choices
            if visibility.can(user, MODULE_OF[value], "create")
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix == ".xls":
            raise ValidationError(
                _("Old Excel .xls files cannot be read. Save it as .xlsx or CSV and try again.")
            )
        if suffix not in FORMATS:
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
                % {"size": round(upload.size / 1048576, 1), "limit": limit // 1048576}
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload


def _require_import(user, entity: str | None = None) -> None:
    import_jobs.require_import(user, entity)


def _own_job(request, pk: int) -> ImportJob:
    """A job of the current user (someone else's answers 404) whose kind they may create."""
    return import_jobs.own_job(request.user, pk)


def _save_upload(upload, fmt: str) -> str:
    folder = Path(settings.IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{fmt}"
    with open(folder / name, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return name


@login_required
def import_start(request):
    _require_import(request.user)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"entity": request.GET.get("entity", "person")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fmt = FORMATS[Path(upload.name).suffix.lower()]
        stored = _save_upload(upload, fmt)
        path = Path(settings.IMPORT_DIR) / stored
        try:
            info = import_files.inspect_file(path, fmt)
        except import_files.FileProblem as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", str(exc))
        else:
            job = import_jobs.create_job(
                request.user,
                form.cleaned_data["entity"],
                original_name=Path(upload.name).name[:255],
                stored_name=stored,
                format=fmt,
                size=upload.size,
                **info,
            )
            return redirect("import-map", job.pk)
    jobs = import_jobs.recent_jobs(request.user)
    return render(
        request,
        "customers/import_start.html",
        {"form": form, "jobs": jobs, "nav": "import", "max_mb": max_upload_bytes() // 1048576},
    )


def _mapping_from(request, job: ImportJob, allowed: set[str]) -> list[str]:
    mapping = []
    for index in range(len(job.headers)):
        value = request.POST.get(f"col_{index}", "")
        mapping.append(value if value in allowed else import_mapping.IGNORE)
    return mapping


def _refuse(request, job: ImportJob, problem: str):
    import_jobs.refuse(request.user, job, problem)
    return redirect("import-status", job.pk)


@login_required
def import_map(request, pk: int):
    _require_import(request.user)
    job = _own_job(request, pk)
    if job.status != ImportJob.Status.MAPPING:
        return redirect("import-status", job.pk)
    try:
        import_files.check_width(job.headers)
    except import_files.FileProblem as exc:
        return _refuse(request, job, str(exc))
    definitions = active_fields(job.entity)
    choices = import_mapping.field_choices(job.entity, definitions)
    allowed = {value for value, _label in choices}
    encodings = import_rows.encoding_choices(job)
    problems: list[str] = []
    if request.method == "POST":
        version = _shown_version(request)
        try:
            chosen = request.POST.get("encoding", "")
            reread = import_jobs.change_encoding(
                request.user, job, chosen, dict(encodings), definitions, version
            )
        except import_files.EncodingProblem as exc:
            reread, problems = True, [str(exc)]
        except import_files.FileProblem as exc:
            return _refuse(request, job, str(exc))
        except VersionConflict as stale:
            return _stale_mapping(request, stale.current, allowed, choices)
        if version is not None:
            version = job.version  # checked above; and moved on if the file was read again
        mapping = job.mapping if reread else _mapping_from(request, job, allowed)
        problems += import_mapping.check_mapping(mapping, job.entity, definitions)
        try:
            if "import" in request.POST and not problems and not reread:
                import_jobs.save_mapping(request.user, job, mapping, True, version)
                return redirect("import-status", job.pk)
            import_jobs.save_mapping(request.user, job, mapping, expected_version=version)
        except VersionConflict as stale:
            return _stale_mapping(request, stale.current, allowed, choices)
    else:
        mapping = job.mapping or [import_mapping.IGNORE] * len(job.headers)
        problems = import_mapping.check_mapping(mapping, job.entity, definitions)
    try:
        rows = importing.preview(job, mapping)
    except import_files.EncodingProblem as exc:
        rows = []
        problems.append(str(exc))
    except import_files.FileProblem as exc:
        return _refuse(request, job, str(exc))
    return _mapping_page(request, job, mapping, choices, encodings, problems, rows)


def _mapping_page(request, job, mapping, choices, encodings, problems, rows, **more):
    columns = [
        {"index": i, "header": header, "value": mapping[i] if i < len(mapping) else ""}
        for i, header in enumerate(job.headers)
    ]
    context = {
        "job": job,
        "columns": columns,
        "choices": choices,
        "encodings": encodings,
        "rows": rows,
        "problems": problems,
        "nav": "import",
        **more,
    }
    return render(request, "customers/import_map.html", context, status=409 if more else 200)


def _shown_version(request) -> int | None:
    """The job's version the mapping page showed; None when the form does not say (no check)."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _stale_mapping(request, job: ImportJob, allowed: set[str], choices):
    """The job changed after the mapping page was loaded (in another tab): nothing is saved;
    the page shows each column where the saved mapping (theirs) and the sent one (yours)
    differ, keeps the user's choices in the form and takes the job's current version, so
    sending it again saves them."""
    if job.status != ImportJob.Status.MAPPING:
        return redirect("import-status", job.pk)
    labels = dict(choices)
    mine = _mapping_from(request, job, allowed)
    theirs = job.mapping or [import_mapping.IGNORE] * len(job.headers)
    rows = [
        {"label": header, "theirs": labels.get(theirs[i], "—"), "yours": labels.get(mine[i], "—")}
        for i, header in enumerate(job.headers)
        if i < len(theirs) and theirs[i] != mine[i]
    ]
    chosen = request.POST.get("encoding", "")
    encodings = import_rows.encoding_choices(job)
    if chosen and chosen != job.encoding and chosen in dict(encodings):
        names = dict(encodings)
        rows.insert(
            0,
            {"label": _("File encoding"), "theirs": names.get(job.encoding, job.encoding),
             "yours": names[chosen]},
        )  # fmt: skip
    problems = import_mapping.check_mapping(mine, job.entity, active_fields(job.entity))
    try:
        preview = importing.preview(job, mine)
    except import_files.FileProblem:  # EncodingProblem too: the page says so when sent again
        preview = []
    return _mapping_page(
        request, job, mine, choices, encodings, problems, preview,
        conflict=rows, conflict_by=audit.history(job).first(),
        conflict_discard_url=reverse("import-map", args=[job.pk]), conflict_form="import-map",
    )  # fmt: skip


@login_required
def import_status(request, pk: int):
    job = _own_job(request, pk)
    template = "customers/import_progress.html" if request.htmx else "customers/import_status.html"
    shown = job.errors[:200]
    look_alikes = [
        {**entry, "reasons": reason_labels(entry.get("reasons") or [])}
        for entry in job.look_alikes[:200]
    ]
    context = {"job": job, "errors": shown, "look_alikes": look_alikes, "nav": "import"}
    return render(request, template, context)


@login_required
def import_errors(request, pk: int):
    """The rows that were not imported, as CSV: line, reason."""
    job = _own_job(request, pk)
    table = [[_("line"), _("reason")]]
    table += [[e["line"], exporting.safe_cell(e["reason"])] for e in job.errors]
    response = StreamingHttpResponse(
        exporting.csv_stream(table), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_POST
def import_cancel(request, pk: int):
    import_jobs.cancel(request.user, _own_job(request, pk))
    return redirect("import-status", pk)


@login_required
@require_POST
def import_resume(request, pk: int):
    """Start a failed or interrupted import again; see import_jobs.resume."""
    _require_import(request.user)
    import_jobs.resume(request.user, _own_job(request, pk))
    return redirect("import-status", pk)


@login_required
def export(request, entity: str):
    """The list as the user filtered it, in CSV (default) or XLSX (?format=xlsx)."""
    user = request.user
    visibility.require(user, "customers", "export")
    model = exporting.model_for(entity)
    try:
        qs = apply_filters(model.objects.visible_to(user, "export"), request.GET, entity, user)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"filters": exc.messages}
        return exporting.bad_filters(errors)
    table = exporting.rows(qs, entity, exporting.definitions_for(entity))
    return exporting.download(request, table, "people" if entity == "person" else "companies")
