#!/usr/bin/env python3
"""Kehu's two commands on a fresh machine with only Python 3.11+:

    python3 run.py demo    install what is needed, then serve Kehu with demo data
    python3 run.py test    install what is needed, then run the whole test suite

Anything else is passed to the `kehu` command inside the project's virtualenv
(e.g. `python3 run.py serve --port 8080`, `python3 run.py createuser ana --role Manager`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KEHU_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def fail(message: str) -> None:
    sys.exit(f"\nrun.py: {message}")


def pip_install(*args: str) -> None:
    """pip, quiet when it works; its whole output and a hint when it does not."""
    command = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    result = subprocess.run(
        [*command, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        fail(
            "installing the dependencies failed (output above). Check the network or the "
            "package index (PIP_INDEX_URL), then run the same command again."
        )


def ensure_installed(extras: str) -> None:
    """Create the virtualenv and install the project when pyproject.toml changed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}-{digest}"
    if stamp.exists():
        return
    if not (BIN / "python").exists():
        print("Creating the virtualenv in", VENV, flush=True)
        try:
            venv.create(VENV, with_pip=True)
        except (subprocess.CalledProcessError, OSError) as exc:
            fail(
                f"could not create the virtualenv ({exc}). On Debian/Ubuntu install "
                "python3-venv (apt-get install python3-venv) and try again."
            )
    print("Installing Kehu and its dependencies (once; about a minute) …", flush=True)
    pip_install("--upgrade", "pip")
    pip_install("-e", f".[{extras}]" if extras else ".")
    stamp.touch()


def run(command: list[str]) -> int:
    """Become `command` (so signals reach the server directly), or wait for it on Windows."""
    os.chdir(ROOT)
    if os.name == "posix":
        os.execv(command[0], command)  # noqa: S606 (our own virtualenv's program)
    return subprocess.call(command)


def parallel_options(args: list[str]) -> list[str]:
    """Tests run on every core (pytest-xdist) unless the command names its own -n;
    KEHU_TEST_WORKERS sets how many (0: one process)."""
    if any(arg.startswith(("-n", "--numprocesses")) for arg in args):
        return []
    # xdist's default "load" order keeps pytest-django's order on every worker: transactional
    # tests, which empty the database, run after the others ("worksteal" breaks that)
    return ["-n", os.environ.get("KEHU_TEST_WORKERS", "auto")]


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py must explain itself on an old Python)
        sys.exit("Kehu needs Python 3.11 or newer.")
    command = argv[0] if argv else "demo"
    if command == "test":
        ensure_installed("dev")
        return run([str(BIN / "python"), "-m", "pytest", *parallel_options(argv[1:]), *argv[1:]])
    ensure_installed("")
    return run([str(BIN / "kehu"), *(argv or ["demo"])])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
