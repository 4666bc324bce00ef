# mypy: disable-error-code="union-attr"
"""Consistent copies of everything Kehu keeps, taken and put back while the app runs.

`kehu backup` writes one archive (a gzip-compressed tar): a snapshot of the database, then the
stored files of the data folder (`files/`: email attachments and raw messages; `imports/`: uploaded
import files), and last a manifest (`kehu-backup.json`) naming every member with its size and
SHA-256. The database is copied first and the files after: a file is always written before the row
that names it commits and is never changed in place, so every file the snapshot's rows name is
already on disk when the files are copied (docs/decisions/0005-backup-formats.md).

The database copy is SQLite's online backup (in both directions, so open connections keep working
and see the restored data) or pg_dump's custom format (one snapshot by design) restored by
pg_restore in a single transaction. `kehu restore` reads and checks the whole archive before it
changes anything, and still takes the database-only files older versions wrote.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

import kehu

from . import databases
from .databases import BackupError

#: the first bytes of every pg_dump custom-format archive
GZIP_MAGIC = b"\x1f\x8b"
MANIFEST = "kehu-backup.json"
FORMAT = "kehu-backup"
FORMAT_VERSION = 1
DATABASE_MEMBERS = {"sqlite": "database/kehu.sqlite3", "postgresql": "database/kehu.dump"}
CHUNK = 1024 * 1024
#: far more than the manifest of a million files needs
MANIFEST_LIMIT = 512 * CHUNK


@dataclass
class BackupResult:
    path: Path
    files: int  # stored files in the archive (not counting the database)
    size: int  # bytes of the stored files


@dataclass
class RestoreResult:
    safety: Path  # the folder holding the data as it was before
    files: int | None  # stored files put back; None for an older, database-only backup


def vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(
        _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": engine}
    )


def file_folders() -> dict[str, Path]:
    """The data folder's stored files, by their folder name in the archive.

    Every FileField (email attachments and raw messages) saves through the default storage under
    MEDIA_ROOT; uploaded import files wait in IMPORT_DIR. Static files, the secret key and caches
    are not data. With an outside file store (KEHU_FILE_STORAGE, e.g. S3) the files live there
    and are backed up with that store's own tools.
    """
    from django.core.files.storage import FileSystemStorage, default_storage

    folders = {"imports": Path(settings.IMPORT_DIR)}
    if isinstance(default_storage, FileSystemStorage):
        folders["files"] = Path(default_storage.location)
    return folders


# backup


def backup(path: str | os.PathLike, overwrite: bool = False) -> BackupResult:
    """Write the database and every stored file to one archive at `path`; never leaves a
    half-written file."""
    target = Path(path).expanduser().resolve()
    if target.exists() and not overwrite:
        raise BackupError(
            _("%(path)s already exists (use --force to replace it).") % {"path": target}
        )
    if not target.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": target.parent})
    kind = vendor()
    with tempfile.TemporaryDirectory(prefix=".kehu-backup-", dir=target.parent) as work:
        database = Path(work) / PurePosixPath(DATABASE_MEMBERS[kind]).name
        # the database first: every file its rows name is on disk already (see the docstring)
        if kind == "sqlite":
            databases.sqlite_backup(database)
        else:
            databases.pg_dump(database)
        partial = Path(work) / "archive"
        os.close(os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600))  # all the data: owner only
        entries = []
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                with open(database, "rb") as handle:
                    entries.append(_add_file(tar, DATABASE_MEMBERS[kind], handle))
                for root, folder in file_folders().items():
                    for file, name in _stored_files(folder, root):
                        try:
                            handle = open(file, "rb")  # noqa: SIM115
                        except FileNotFoundError:
                            continue  # removed since it was listed: a write that was rolled back
                        with handle:
                            entries.append(_add_file(tar, name, handle))
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "kehu_version": kehu.__version__,
                    "database": kind,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "files": entries,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                info.mtime = int(datetime.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
        except OSError as exc:
            raise BackupError(_("The backup failed: %(error)s") % {"error": exc}) from exc
        os.replace(partial, target)
    stored = entries[1:]
    return BackupResult(target, len(stored), sum(e["size"] for e in stored))


def _stored_files(folder: Path, root: str):
    """(path, archive name) of every regular file under `folder`, in a stable order; links and
    anything that is not a plain file are left out."""
    if not folder.is_dir():
        return
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        here = Path(current)
        for name in sorted(files):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, f"{root}/{path.relative_to(folder).as_posix()}"


class _Hashing(io.RawIOBase):
    """Reads through to a file while hashing what was read."""

    def __init__(self, handle):
        self.handle, self.sha = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        data = self.handle.read(size)
        self.sha.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, handle) -> dict:
    """Add one open file under `name`, hashing it as it is copied; returns its manifest entry."""
    stat = os.fstat(handle.fileno())  # an open file stays whole even if removed meanwhile
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = stat.st_size, 0o600, int(stat.st_mtime)
    reader = _Hashing(handle)
    tar.addfile(info, reader)
    return {"path": name, "size": stat.st_size, "sha256": reader.sha.hexdigest()}


# restore


def restore(path: str | os.PathLike) -> RestoreResult:
    """Replace the database (and, from an archive, the stored files) with the backup at `path`.

    The archive is read and checked whole before anything changes; the data as it was is kept in
    a `before-restore-<time>` folder in the data folder.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise BackupError(_("%(path)s is not a file.") % {"path": source})
    with open(source, "rb") as f:
        head = f.read(16)
    kind = vendor()
    if head.startswith(GZIP_MAGIC):
        return _restore_archive(source, kind)
    # a database-only backup written by Kehu before backups held the files
    if kind == "sqlite":
        databases.check_sqlite_backup(source)
    else:
        databases.check_pg_backup(source)
    safety = _safety_folder()
    _restore_database(source, kind, safety)
    return RestoreResult(safety, None)


def _safety_folder() -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(settings.DATA_DIR) / f"before-restore-{stamp}"
    if folder.exists():
        folder = folder.with_name(f"{folder.name}-{secrets.token_hex(3)}")
    folder.mkdir()
    return folder


def _restore_database(source: Path, kind: str, safety: Path) -> None:
    """Keep the live database in `safety`, then put the (checked) copy at `source` in its place."""
    if kind == "sqlite":
        if Path(databases.live_sqlite_path()).exists():
            databases.sqlite_backup(safety / "kehu.sqlite3")
        databases.sqlite_restore(source)
    else:
        databases.pg_dump(safety / "kehu.dump")
        databases.pg_restore(source)


def _restore_archive(source: Path, kind: str) -> RestoreResult:
    stage = Path(settings.DATA_DIR) / f".restore-{secrets.token_hex(6)}"
    stage.mkdir()
    try:
        manifest = _unpack(source, stage)
        if manifest["database"] != kind:
            raise BackupError(
                _(
                    "%(path)s is a backup of a %(theirs)s database; this Kehu uses %(ours)s. "
                    "Move data between them with export and import."
                )
                % {"path": source, "theirs": manifest["database"], "ours": kind}
            )
        folders = file_folders()
        roots = {PurePosixPath(e["path"]).parts[0] for e in manifest["files"]}
        if "files" in roots and "files" not in folders:
            raise BackupError(
                _(
                    "%(path)s holds stored files, but this Kehu keeps its files in an outside "
                    "store (KEHU_FILE_STORAGE); restore them there with its own tools."
                )
                % {"path": source}
            )
        database = stage / DATABASE_MEMBERS[kind]
        if kind == "sqlite":
            databases.check_sqlite_backup(database)
        else:
            databases.check_pg_backup(database)
        # everything checked: from here on the data changes
        safety = _safety_folder()
        _restore_database(database, kind, safety)
        for root, folder in folders.items():
            if folder.exists():
                shutil.move(folder, safety / root)
            restored = stage / root
            if restored.is_dir():
                shutil.move(restored, folder)
            else:
                folder.mkdir(parents=True)
        count = sum(1 for e in manifest["files"] if not e["path"].startswith("database/"))
        return RestoreResult(safety, count)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _not_a_backup(source: Path) -> BackupError:
    return BackupError(_("%(path)s is not a Kehu backup.") % {"path": source})


def _damaged(source: Path, detail: str) -> BackupError:
    return BackupError(
        _("%(path)s is damaged or incomplete: %(error)s") % {"path": source, "error": detail}
    )


def _safe_member_name(name: str) -> bool:
    """Only relative paths below the archive's own folders: no absolute paths, no `..`."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    if name == MANIFEST:
        return True
    return len(parts) >= 2 and parts[0] in ("database", "files", "imports")


def _unpack(source: Path, stage: Path) -> dict:
    """Extract the archive into `stage`, refusing anything but plain files at safe paths, and
    check every member against the manifest. Returns the manifest."""
    seen: dict[str, dict] = {}
    manifest_data = None
    try:
        # gzip.open checks the stream's CRC and length at its end; tar's own reader does not
        with gzip.open(source, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = member.name
                if not _safe_member_name(name):
                    raise BackupError(
                        _("%(path)s holds a file with a forbidden name: %(name)s")
                        % {"path": source, "name": name[:200]}
                    )
                if not member.isreg():
                    raise BackupError(
                        _("%(path)s holds a link or special file: %(name)s")
                        % {"path": source, "name": name[:200]}
                    )
                if name in seen or (name == MANIFEST and manifest_data is not None):
                    raise _damaged(source, _("%(name)s appears twice") % {"name": name[:200]})
                reader = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > MANIFEST_LIMIT:
                        raise _not_a_backup(source)
                    manifest_data = reader.read()
                    continue
                target = stage / name
                target.parent.mkdir(parents=True, exist_ok=True)
                sha = hashlib.sha256()
                size = 0
                with open(target, "xb") as out:
                    while chunk := reader.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[name] = {"size": size, "sha256": sha.hexdigest()}
            while stream.read(CHUNK):  # to the end, damage after the last member included
                pass
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _damaged(source, str(exc) or exc.__class__.__name__) from exc
    except OSError as exc:
        raise BackupError(_("The restore failed: %(error)s") % {"error": exc}) from exc
    if manifest_data is None:  # written last: without it, a cut archive or a foreign one
        if seen:
            raise _damaged(source, _("its manifest is missing"))
        raise _not_a_backup(source)
    manifest = _read_manifest(source, manifest_data)
    listed = {e["path"]: e for e in manifest["files"]}
    if set(listed) != set(seen):
        missing = sorted(set(listed) - set(seen)) or sorted(set(seen) - set(listed))
        raise _damaged(source, _("%(name)s does not match the manifest") % {"name": missing[0]})
    for name, found in seen.items():
        if (found["size"], found["sha256"]) != (listed[name]["size"], listed[name]["sha256"]):
            raise _damaged(source, _("%(name)s does not match its checksum") % {"name": name})
    return manifest


def _read_manifest(source: Path, data: bytes) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise _not_a_backup(source) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_a_backup(source)
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            _("%(path)s was written by a newer Kehu (%(version)s); restore it with that version.")
            % {"path": source, "version": manifest.get("kehu_version", "?")}
        )
    files = manifest.get("files")
    database = manifest.get("database")
    if (
        database not in DATABASE_MEMBERS
        or not isinstance(files, list)
        or not all(
            isinstance(e, dict)
            and isinstance(e.get("path"), str)
            and isinstance(e.get("size"), int)
            and isinstance(e.get("sha256"), str)
            for e in files
        )
        or DATABASE_MEMBERS[database] not in {e["path"] for e in files}
    ):
        raise _damaged(source, _("its manifest is incomplete"))
    return manifest
