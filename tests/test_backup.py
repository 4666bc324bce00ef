"""`kehu backup` / `kehu restore`: back up, change data, restore, and the data is back."""

import os
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest

from kehu import backup
from tests.cli_support import kehu, make_template, migrated_data_dir, query, usernames

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


def fts_names(data_dir: Path, token: str) -> set[str]:
    rows = query(
        data_dir,
        "SELECT p.name FROM customers_person p WHERE p.id IN (SELECT rowid FROM "
        "customers_person_fts WHERE customers_person_fts MATCH ?)",
        (f'"{token}"*',),
    )
    return {name for (name,) in rows}


def test_sqlite_backup_change_restore_brings_the_data_back(data_dir, tmp_path):
    create_user(data_dir, "ana")
    add_person(data_dir, "张伟")
    file = tmp_path / "kehu-backup.sqlite3"

    result = kehu(data_dir, "backup", str(file))
    assert result.returncode == 0, result.stderr
    assert "Backup written to" in result.stdout
    # one self-contained, sound file
    assert not Path(f"{file}-wal").exists()
    copy = sqlite3.connect(file)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()

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
    assert {u for (u,) in live.execute("SELECT username FROM accounts_user")} == {"ana"}
    live.close()

    assert usernames(data_dir) == {"ana"}
    assert fts_names(data_dir, "zhang") == {"张伟"}  # the search index came back too
    assert fts_names(data_dir, "wang") == set()
    # the data as it was before the restore is kept
    (safety,) = data_dir.glob("before-restore-*.sqlite3")
    assert "data as it was before is kept" in result.stdout
    assert "bob" in {
        u for (u,) in sqlite3.connect(safety).execute("SELECT username FROM accounts_user")
    }
    assert kehu(data_dir, "check").returncode == 0


def test_backup_does_not_overwrite_a_file_without_force(data_dir, tmp_path):
    file = tmp_path / "existing.sqlite3"
    file.write_text("keep me")
    result = kehu(data_dir, "backup", str(file))
    assert result.returncode == 1
    assert "already exists" in result.stderr and "Traceback" not in result.stderr
    assert file.read_text() == "keep me"

    assert kehu(data_dir, "backup", str(file), "--force").returncode == 0
    assert file.read_bytes().startswith(b"SQLite format 3\x00")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kehu-backup")] == []


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
    args, env = backup._pg_connection(database)
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
    name = f"kehu_backup_test_{uuid.uuid4().hex[:8]}"
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


def test_postgresql_backup_change_restore_brings_the_data_back(scratch_postgres, tmp_path):
    url = scratch_postgres
    assert kehu(tmp_path, "manage", "migrate", "-v", "0", database_url=url).returncode == 0
    create_user(tmp_path, "ana", url)
    add_person(tmp_path, "张伟", url)
    file = tmp_path / "kehu.dump"

    result = kehu(tmp_path, "backup", str(file), database_url=url)
    assert result.returncode == 0, result.stderr
    assert file.read_bytes().startswith(b"PGDMP")

    create_user(tmp_path, "bob", url)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM accounts_apitoken")
        conn.execute("UPDATE customers_person SET name = 'changed'")
    assert pg_usernames(url) == {"ana", "bob"}

    result = kehu(tmp_path, "restore", str(file), "--yes", database_url=url)
    assert result.returncode == 0, result.stderr
    assert pg_usernames(url) == {"ana"}
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM customers_person")]
        hits = conn.execute(
            "SELECT count(*) FROM customers_person WHERE to_tsvector('simple', search_text) "
            "@@ to_tsquery('simple', 'zhang:*')"
        ).fetchone()[0]
    assert names == ["张伟"] and hits == 1

    # a SQLite file is not a PostgreSQL backup
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = kehu(tmp_path, "restore", str(other), "--yes", database_url=url)
    assert result.returncode == 1 and "not a Kehu PostgreSQL backup" in result.stderr
    assert pg_usernames(url) == {"ana"}
