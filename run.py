#!/usr/bin/env python3
"""Kehu's two commands on a fresh machine with only Python 3.11+:

    python3 run.py demo    install what is needed, then serve Kehu with demo data
    python3 run.py test    install what is needed, then run the whole test suite

Anything else is passed to the `kehu` command inside the project's virtualenv
(e.g. `python3 run.py serve --port 8080`, `python3 run.py createuser ana --role Manager`).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KEHU_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_installed(extras: str) -> None:
    """Create the virtualenv and install the project when pyproject.toml changed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}-{digest}"
    if stamp.exists():
        return
    if not (BIN / "python").exists():
        print("Creating the virtualenv in", VENV, flush=True)
        venv.create(VENV, with_pip=True)
    target = f".[{extras}]" if extras else "."
    print("Installing Kehu and its dependencies …", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.touch()


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py must explain itself on an old Python)
        sys.exit("Kehu needs Python 3.11 or newer.")
    command = argv[0] if argv else "demo"
    if command == "test":
        ensure_installed("dev")
        pytest = [str(BIN / "python"), "-m", "pytest", *argv[1:]]
        return subprocess.call(pytest, cwd=ROOT)
    ensure_installed("")
    return subprocess.call([str(BIN / "kehu"), *(argv or ["demo"])], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
