"""`kehu backup` / `kehu restore`: back up, change data, restore, and the data and the stored
files (email attachments, import files) are back."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest

from kehu.backup import databases
from tests.cli_support import (
    kehu,
    make_template,
    migrated_data_dir,
    own_sqlite_folder,
    query,
    usernames,
)

PASSWORD = "plum-orchard-42"
ADD_PERSON = (
    "from kehu.accounts.models import User; from kehu.customers import services; "
    "services.create_person(User.objects.get(username='ana'), {'name': %r})"
)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory)


@pytest.fixture
def data_dir(migrated_template, tmp_path) -> Path:
    return migrated_data_dir(migrated_template, tmp_path / "data")


def create_user(data_dir: Path, username: str, database_url: str | None = None) -> None:
    result = kehu(data_dir, "createuser", username, "--role", "Administrator",
                  "--password", PASSWORD, database_url=database_url)  # fmt: skip
    assert result.returncode == 0, result.stderr


def add_person(data_dir: Path, name: str, database_url: str | None = None) -> None:
    result = kehu(data_dir, "manage", "shell", "-c", ADD_PERSON % name, database_url=database_url)
    assert result.returncode == 0, result.stderr


ATTACHMENT = bytes(range(256)) * 40
RECEIVE_WITH_ATTACHMENT = """
from kehu.accounts.models import User
from kehu.mail import receiving as mail_receive
from kehu.customers import services
from tests.mail.mail_samples import with_attachments
ana = User.objects.get(username="ana")
services.create_person(ana, {"name": "李雷", "email": "li.lei@customer.example"})
got = mail_receive.receive(with_attachments([('filename="offer.bin"', bytes(range(256)) * 40)]),
                           owner=ana)
print(got.message.attachments.get().pk)
"""
DOWNLOAD = """
import hashlib
from django.conf import settings
from django.test import Client, override_settings
from kehu.accounts.models import User
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username="ana"))
# the 404 page links static files, which this data folder has not collected
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    answer = client.get("/emails/attachments/%d/")
body = b"".join(answer.streaming_content) if answer.status_code == 200 else b""
print(answer.status_code, hashlib.sha256(body).hexdigest())
"""


def receive_email_with_attachment(data_dir: Path, database_url: str | None = None) -> int:
    """A person and a received email with one attachment; returns the attachment's id."""
    result = kehu(data_dir, "manage", "shell", "-c", RECEIVE_WITH_ATTACHMENT,
                  database_url=database_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


def download(data_dir: Path, attachment_id: int, database_url: str | None = None) -> tuple:
    """(HTTP status, sha256 of the body) of the attachment's download, as ana."""
    result = kehu(data_dir, "manage", "shell", "-c", DOWNLOAD % attachment_id,
                  database_url=database_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    status, digest = result.stdout.split()[-2:]
    return int(status), digest


def stored_files(data_dir: Path) -> set[str]:
    return {
        p.relative_to(data_dir).as_posix()
        for folder in ("files", "imports")
        for p in (data_dir / folder).rglob("*")
        if p.is_file()
    }


def read_archive(file: Path) -> dict[str, bytes]:
    with tarfile.open(file, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def fts_names(data_dir: Path, token: str) -> set[str]:
    rows = query(
        data_dir,
        "SELECT p.name FROM customers_person p WHERE p.id IN (SELECT rowid FROM "
        "customers_person_fts WHERE customers_person_fts MATCH ?)",
        (f'"{token}"*',),
    )
    return {name for (name,) in rows}


@own_sqlite_folder
def test_sqlite_backup_change_restore_brings_the_data_and_the_files_back(data_dir, tmp_path):
    create_user(data_dir, "ana")
    add_person(data_dir, "张伟")
    attachment = receive_email_with_attachment(data_dir)
    (data_dir / "imports").mkdir(exist_ok=True)
    (data_dir / "imports" / "waiting.csv").write_text("name\n王芳\n")
    assert download(data_dir, attachment) == (200, hashlib.sha256(ATTACHMENT).hexdigest())
    files_before = stored_files(data_dir)
    assert len(files_before) == 3  # the raw message, its attachment, the import file
    file = tmp_path / "kehu-backup.tar.gz"

    result = kehu(data_dir, "backup", str(file))
    assert result.returncode == 0, result.stderr
    assert "Backup written to" in result.stdout and "3 stored files" in result.stdout
    assert file.stat().st_mode & 0o777 == 0o600  # all the data: readable by its owner only
    # one archive: the database, every stored file, and a manifest with their checksums
    members = read_archive(file)
    manifest = json.loads(members.pop("kehu-backup.json"))
    assert manifest["format"] == "kehu-backup" and manifest["format_version"] == 1
    assert manifest["database"] == "sqlite" and manifest["kehu_version"]
    assert set(members) == {"database/kehu.sqlite3", *files_before}
    assert {e["path"]: (e["size"], e["sha256"]) for e in manifest["files"]} == {
        name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in members.items()
    }
    assert ATTACHMENT in members.values()
    (tmp_path / "db.sqlite3").write_bytes(members["database/kehu.sqlite3"])
    copy = sqlite3.connect(tmp_path / "db.sqlite3")
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kehu-backup")] == []

    # the files are lost and the data changed
    shutil.rmtree(data_dir / "files")
    shutil.rmtree(data_dir / "imports")
    (data_dir / "files").mkdir()
    (data_dir / "files" / "new-since.txt").write_text("written after the backup")
    assert download(data_dir, attachment)[0] == 404
    create_user(data_dir, "bob")
    add_person(data_dir, "王芳")
    rename = (
        "from kehu.accounts.models import User as U; U.objects.filter(pk=1).update(username='x')"
    )
    assert kehu(data_dir, "manage", "shell", "-c", rename).returncode == 0
    assert usernames(data_dir) == {"x", "bob"}

    # a connection that is open during the restore (like a running server's) sees the result
    live = sqlite3.connect(data_dir / "kehu.sqlite3")
    assert live.execute("SELECT count(*) FROM accounts_user").fetchone() == (2,)
    result = kehu(data_dir, "restore", str(file), "--yes")
    assert result.returncode == 0, result.stderr
    assert "Restored the database and 3 stored files" in result.stdout
    assert {u for (u,) in live.execute("SELECT username FROM accounts_user")} == {"ana"}
    live.close()

    assert usernames(data_dir) == {"ana"}
    assert download(data_dir, attachment) == (200, hashlib.sha256(ATTACHMENT).hexdigest())
    assert stored_files(data_dir) == files_before
    assert (data_dir / "imports" / "waiting.csv").read_text() == "name\n王芳\n"
    assert fts_names(data_dir, "zhang") == {"张伟"}  # the search index came back too
    assert fts_names(data_dir, "wang") == set()
    # the data and the files as they were before the restore are kept
    (safety,) = data_dir.glob("before-restore-*")
    assert "data as it was before is kept" in result.stdout and str(safety) in result.stdout
    assert "bob" in {
        u
        for (u,) in sqlite3.connect(safety / "kehu.sqlite3").execute(
            "SELECT username FROM accounts_user"
        )
    }
    assert (safety / "files" / "new-since.txt").read_text() == "written after the backup"
    assert list(data_dir.glob(".restore-*")) == []
    assert kehu(data_dir, "check").returncode == 0


@own_sqlite_folder
def test_a_database_only_backup_from_before_still_restores(data_dir, tmp_path):
    """Backups written before they held the files (a plain SQLite copy) still restore; the
    files folder is left alone."""
    create_user(data_dir, "ana")
    old = tmp_path / "kehu-2026-11-23.sqlite3"
    src, dst = sqlite3.connect(data_dir / "kehu.sqlite3"), sqlite3.connect(old)
    src.backup(dst)
    dst.close()
    src.close()
    create_user(data_dir, "bob")
    (data_dir / "files").mkdir(exist_ok=True)
    (data_dir / "files" / "kept.txt").write_text("still here")

    result = kehu(data_dir, "restore", str(old), "--yes")
    assert result.returncode == 0, result.stderr
    assert "older backup holds no stored files" in result.stdout
    assert usernames(data_dir) == {"ana"}
    assert (data_dir / "files" / "kept.txt").read_text() == "still here"
    (safety,) = data_dir.glob("before-restore-*")
    assert (safety / "kehu.sqlite3").is_file()


@own_sqlite_folder
def test_backup_does_not_overwrite_a_file_without_force(data_dir, tmp_path):
    file = tmp_path / "existing.sqlite3"
    file.write_text("keep me")
    result = kehu(data_dir, "backup", str(file))
    assert result.returncode == 1
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert file.read_text() == "keep me"

    assert kehu(data_dir, "backup", str(file), "--force").returncode == 0
    assert "kehu-backup.json" in read_archive(file)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kehu-backup")] == []


@own_sqlite_folder
def test_backup_into_a_missing_folder_is_a_clear_error(data_dir, tmp_path):
    result = kehu(data_dir, "backup", str(tmp_path / "nope" / "b.sqlite3"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def _text_file(path: Path) -> Path:
    path.write_text("hello, I am a text file")
    return path


def _missing(path: Path) -> Path:
    return path


def _not_kehu_sqlite(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    return path


@own_sqlite_folder
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_text_file, "not a Kehu SQLite backup"),
        (_not_kehu_sqlite, "not a Kehu SQLite backup"),
        (_missing, "is not a file"),
    ],
)
def test_restore_refuses_what_is_not_a_kehu_backup_and_changes_nothing(data_dir, tmp_path,
                                                                      make, message):  # fmt: skip
    create_user(data_dir, "ana")
    bad = make(tmp_path / "bad.sqlite3")
    result = kehu(data_dir, "restore", str(bad), "--yes")
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert usernames(data_dir) == {"ana"}
    assert list(data_dir.glob("before-restore-*")) == []


def _rewrite(good: Path, bad: Path, change) -> None:
    """Copy the archive `good` to `bad`, letting `change(members)` alter its list of
    (TarInfo, bytes) first."""
    with tarfile.open(good, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isreg() else b"") for m in tar]
    change(members)
    with tarfile.open(bad, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)


def _add_member(name: str, data: bytes = b"evil", kind=tarfile.REGTYPE, link: str = ""):
    def change(members):
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        members.insert(1, (info, data))

    return change


def _edit_manifest(**fields):
    def change(members):
        for i, (info, data) in enumerate(members):
            if info.name == "kehu-backup.json":
                members[i] = (info, json.dumps({**json.loads(data), **fields}).encode())

    return change


def _as_postgresql_backup(members):
    for info, _data in members:
        if info.name == "database/kehu.sqlite3":
            info.name = "database/kehu.dump"
    _edit_manifest(database="postgresql")(members)
    for i, (info, data) in enumerate(members):
        if info.name == "kehu-backup.json":
            manifest = json.loads(data)
            for entry in manifest["files"]:
                entry["path"] = entry["path"].replace("kehu.sqlite3", "kehu.dump")
            members[i] = (info, json.dumps(manifest).encode())


def _swap_file_content(members):
    for i, (info, data) in enumerate(members):
        if info.name.startswith("files/"):
            members[i] = (info, bytes(reversed(data)))


def _drop_manifest(members):
    members[:] = [m for m in members if m[0].name != "kehu-backup.json"]


def _drop_a_file(members):
    members[:] = [m for m in members if not m[0].name.startswith("files/")]


@own_sqlite_folder
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_add_member("../evil.txt"), "forbidden name"),
        (_add_member("files/../../evil.txt"), "forbidden name"),
        (_add_member("/kehu-backup-evil.txt"), "forbidden name"),
        (_add_member("etc/evil.txt"), "forbidden name"),
        (_add_member("files/link", kind=tarfile.SYMTYPE, link="/etc/passwd"), "link or special"),
        (_add_member("files/hard", kind=tarfile.LNKTYPE, link="kehu-backup.json"), "link or"),
        (_add_member("files/dir", kind=tarfile.DIRTYPE), "link or special"),
        (_add_member("files/a.bin"), "appears twice"),
        (_add_member("files/extra.bin"), "does not match the manifest"),
        (_drop_a_file, "does not match the manifest"),
        (_swap_file_content, "does not match its checksum"),
        (_drop_manifest, "its manifest is missing"),
        (_edit_manifest(format="other"), "is not a Kehu backup"),
        (_edit_manifest(format_version=99, kehu_version="9.0"), "written by a newer Kehu (9.0)"),
        (_as_postgresql_backup, "backup of a postgresql database"),
        ("truncated", "damaged or incomplete"),
        ("corrupted", "damaged or incomplete"),
        ("foreign", "forbidden name"),
        ("empty", "is not a Kehu backup"),
    ],
)
def test_restore_refuses_a_foreign_or_damaged_archive_and_changes_nothing(
    backed_up, tmp_path, change, message
):
    source, good = backed_up
    data_dir, bad = tmp_path / "data", tmp_path / "bad.tar.gz"
    shutil.copytree(source, data_dir)
    if change == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif change == "corrupted":
        data = bytearray(good.read_bytes())
        for i in range(len(data) // 2, len(data) // 2 + 8):
            data[i] ^= 0xFF
        bad.write_bytes(bytes(data))
    elif change == "foreign":
        with tarfile.open(bad, "w:gz") as tar:
            tar.add(data_dir / "kehu.sqlite3", arcname="kehu.sqlite3")
    elif change == "empty":
        tarfile.open(bad, "w:gz").close()
    else:
        _rewrite(good, bad, change)
    live = sqlite3.connect(data_dir / "kehu.sqlite3")
    live.execute("UPDATE accounts_user SET username = 'bob'")
    live.commit()
    live.close()
    (data_dir / "files" / "a.bin").write_bytes(b"changed since")
    before = {p: p.read_bytes() for p in (data_dir / "files").rglob("*")}

    result = kehu(data_dir, "restore", str(bad), "--yes")
    assert result.returncode == 1, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert usernames(data_dir) == {"bob"}
    assert {p: p.read_bytes() for p in (data_dir / "files").rglob("*")} == before
    assert list(data_dir.glob("before-restore-*")) == []
    assert list(data_dir.glob(".restore-*")) == []
    assert not list(tmp_path.rglob("evil.txt")) and not Path("/kehu-backup-evil.txt").exists()


@pytest.fixture(scope="module")
def backed_up(migrated_template, tmp_path_factory) -> tuple[Path, Path]:
    """A data folder with a user and a stored file, and its backup, made once: each refusal
    test restores a damaged copy of the backup into a copy of the folder."""
    data_dir = migrated_data_dir(migrated_template, tmp_path_factory.mktemp("backed-up") / "data")
    create_user(data_dir, "ana")
    (data_dir / "files").mkdir()
    (data_dir / "files" / "a.bin").write_bytes(b"attachment bytes" * 100)
    good = data_dir.parent / "good.tar.gz"
    assert kehu(data_dir, "backup", str(good)).returncode == 0
    return data_dir, good


@own_sqlite_folder
def test_restore_without_a_terminal_needs_yes(data_dir, tmp_path):
    create_user(data_dir, "ana")
    file = tmp_path / "b.sqlite3"
    assert kehu(data_dir, "backup", str(file)).returncode == 0
    create_user(data_dir, "bob")
    result = kehu(data_dir, "restore", str(file))
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert usernames(data_dir) == {"ana", "bob"}


def test_backup_on_postgresql_without_pg_dump_says_what_to_install(tmp_path):
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    url = "postgres://kehu@127.0.0.1:1/kehu"
    result = kehu(
        tmp_path, "backup", str(tmp_path / "b.dump"), database_url=url, PATH=str(empty_path)
    )
    assert result.returncode == 1
    assert "pg_dump was not found" in result.stderr and "postgresql-client" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "b.dump").exists()


def test_postgresql_password_goes_to_the_environment_not_the_command_line():
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "crm",
        "USER": "kehu",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.internal",
        "PORT": 6543,
        "OPTIONS": {"sslmode": "require"},
    }
    args, env = databases.pg_connection(database)
    assert "s3cret-pw" not in " ".join(args)
    assert args == ["--dbname", "crm", "--host", "db.internal", "--port", "6543",
                    "--username", "kehu"]  # fmt: skip
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert env["PGSSLMODE"] == "require"


POSTGRES_URL = os.environ.get("KEHU_TEST_DATABASE_URL", "")


@pytest.fixture
def scratch_postgres():
    """A scratch PostgreSQL database next to the test database, dropped afterwards."""
    if not POSTGRES_URL.startswith("postgres"):
        pytest.skip("KEHU_TEST_DATABASE_URL does not name a PostgreSQL database")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    name = f"backup_scratch_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_usernames(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT username FROM accounts_user")}


def test_postgresql_backup_change_restore_brings_the_data_and_the_files_back(scratch_postgres,
                                                                             tmp_path):  # fmt: skip
    url = scratch_postgres
    assert kehu(tmp_path, "manage", "migrate", "-v", "0", database_url=url).returncode == 0
    create_user(tmp_path, "ana", url)
    add_person(tmp_path, "张伟", url)
    attachment = receive_email_with_attachment(tmp_path, url)
    digest = hashlib.sha256(ATTACHMENT).hexdigest()
    assert download(tmp_path, attachment, url) == (200, digest)
    files_before = stored_files(tmp_path)
    file = tmp_path / "kehu-backup.tar.gz"

    result = kehu(tmp_path, "backup", str(file), database_url=url)
    assert result.returncode == 0, result.stderr
    members = read_archive(file)
    assert members["database/kehu.dump"].startswith(b"PGDMP")
    assert json.loads(members["kehu-backup.json"])["database"] == "postgresql"
    assert ATTACHMENT in members.values()

    shutil.rmtree(tmp_path / "files")
    assert download(tmp_path, attachment, url)[0] == 404
    create_user(tmp_path, "bob", url)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM accounts_apitoken")
        conn.execute("UPDATE customers_person SET name = 'changed'")
    assert pg_usernames(url) == {"ana", "bob"}

    result = kehu(tmp_path, "restore", str(file), "--yes", database_url=url)
    assert result.returncode == 0, result.stderr
    assert pg_usernames(url) == {"ana"}
    assert download(tmp_path, attachment, url) == (200, digest)
    assert stored_files(tmp_path) == files_before
    with psycopg.connect(url) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM customers_person")}
        hits = conn.execute(
            "SELECT count(*) FROM customers_person WHERE to_tsvector('simple', search_text) "
            "@@ to_tsquery('simple', 'zhang:*')"
        ).fetchone()[0]
    assert names == {"张伟", "李雷"} and hits == 1
    (safety,) = tmp_path.glob("before-restore-*")
    assert (safety / "kehu.dump").read_bytes().startswith(b"PGDMP")

    # the database-only dump older versions wrote still restores (the files stay as they are)
    old = tmp_path / "old.dump"
    old.write_bytes(members["database/kehu.dump"])
    create_user(tmp_path, "carol", url)
    result = kehu(tmp_path, "restore", str(old), "--yes", database_url=url)
    assert result.returncode == 0, result.stderr
    assert "older backup holds no stored files" in result.stdout
    assert pg_usernames(url) == {"ana"}
    assert download(tmp_path, attachment, url) == (200, digest)

    # a SQLite file, or a SQLite archive, is not a PostgreSQL backup
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = kehu(tmp_path, "restore", str(other), "--yes", database_url=url)
    assert result.returncode == 1 and "not a Kehu PostgreSQL backup" in result.stderr
    assert pg_usernames(url) == {"ana"}
