"""A real IMAP server for tests: Debian's dovecot, started on 127.0.0.1 and a free port in a
temporary folder with one user and a plain password, stopped afterwards.

As root (CI) the mail is kept by an unprivileged system user (dovecot refuses to serve mail
as root); as anyone else, by that user. Messages go in with IMAP APPEND, as a mail client
or delivery agent would put them.
"""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "kehu-test", "imap-secret"


class DovecotUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mail_account() -> pwd.struct_passwd:
    """The system account the mail processes run as."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    for name in ("dovecot", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise DovecotUnavailable("no unprivileged account (dovecot or nobody) to keep the mail")


def _login_accounts(account: pwd.struct_passwd) -> tuple[str, str]:
    """(internal user, login user): dovecot's own when running as root, else ourselves."""
    if os.geteuid() == 0:
        names = []
        for name in ("dovecot", "dovenull"):
            try:
                names.append(pwd.getpwnam(name).pw_name)
            except KeyError:
                names.append(account.pw_name)
        return names[0], names[1]
    return account.pw_name, account.pw_name


class DovecotServer:
    def __init__(self):
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.user, self.password = USER, PASSWORD
        self.root = Path(tempfile.mkdtemp(prefix="kehu-dovecot-"))
        self.process: subprocess.Popen | None = None
        #: where append() delivers by default
        self.folder = "INBOX"

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write_config(self) -> Path:
        account = _mail_account()
        internal, login = _login_accounts(account)
        home = self.root / "home"
        (home / "Maildir").mkdir(parents=True)
        (self.root / "run").mkdir()
        (self.root / "state").mkdir()
        passwd = self.root / "passwd"
        passwd.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{account.pw_uid}:{account.pw_gid}::{home}\n"
        )
        config = self.root / "dovecot.conf"
        config.write_text(
            f"""# minimal dovecot {self.version()} for Kehu's tests
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        if os.geteuid() == 0:
            for path in [home, home / "Maildir"]:
                os.chown(path, account.pw_uid, account.pw_gid)
            os.chmod(self.root, 0o755)  # noqa: S103  (the mail user reads its home below)
            os.chmod(passwd, 0o644)
        return config

    @staticmethod
    def version() -> str:
        try:
            done = subprocess.run(
                [DOVECOT, "--version"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise DovecotUnavailable(f"{DOVECOT} --version failed: {exc}") from None
        return done.stdout.strip()

    def start(self, timeout: float = 15.0) -> None:
        if not os.access(DOVECOT, os.X_OK):
            self.stop()
            raise DovecotUnavailable(f"{DOVECOT} not found")
        try:
            config = self._write_config()
        except (DovecotUnavailable, OSError):
            self.stop()
            raise
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                self.stop()
                raise DovecotUnavailable(f"dovecot exited: {output.strip()} {self.log.strip()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise DovecotUnavailable(f"dovecot did not answer on port {self.port}: {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    # what a mail client does

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str | None = None) -> None:
        """Deliver `raw` into the folder (IMAP APPEND)."""
        conn = self.client()
        try:
            typ, data = conn.append(folder or self.folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def recreate_folder(self, folder: str | None = None) -> None:
        """Give the folder a new UIDVALIDITY, as a server does when it rebuilds a mailbox: it
        is deleted and made again with the same messages, which get new UIDs from 1."""
        folder = folder or self.folder
        conn = self.client()
        try:
            conn.create("Rebuilt")
            conn.select(folder)
            conn.copy("1:*", "Rebuilt")
            conn.close()
            conn.delete(folder)
            conn.rename("Rebuilt", folder)
        finally:
            conn.logout()

    def create_folder(self, folder: str) -> None:
        conn = self.client()
        try:
            typ, data = conn.create(folder)
            assert typ == "OK", data
        finally:
            conn.logout()

    def uidvalidity(self, folder: str | None = None) -> int:
        conn = self.client()
        try:
            conn.select(folder or self.folder, readonly=True)
            return int(conn.response("UIDVALIDITY")[1][0])
        finally:
            conn.logout()
