#!/usr/bin/env python3
"""Copy the pinned front-end libraries into kehu/web/static/vendor/ (committed there, so running
Kehu needs only Python; whitenoise serves them, no CDN).

    python3 scripts/vendor_static.py          # npm ci, then copy
    python3 scripts/vendor_static.py --check  # ... and fail if the copies differ from git

The versions are those in package-lock.json (exact pins in package.json). To upgrade one:
`npm install --save-exact NAME@VERSION`, run this script, commit the lockfile and the copies.
Only the minified browser bundles and their licence files are copied.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "kehu" / "web" / "static" / "vendor"

#: package -> files to copy (paths inside the package; kept under the same relative path)
FILES: dict[str, list[str]] = {
    "sortablejs": ["Sortable.min.js", "LICENSE"],
    "@fullcalendar/core": [
        "index.global.min.js",
        "locales/zh-cn.global.min.js",
        "LICENSE.md",
    ],
    "@fullcalendar/daygrid": ["index.global.min.js", "LICENSE.md"],
    "@fullcalendar/timegrid": ["index.global.min.js", "LICENSE.md"],
    "@fullcalendar/interaction": ["index.global.min.js", "LICENSE.md"],
    "axe-core": ["axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"],
    # the full build (every chart type, funnel included); whitenoise serves it gzip/brotli
    "echarts": ["dist/echarts.min.js", "LICENSE", "NOTICE", "licenses/LICENSE-d3"],
    "zrender": ["LICENSE"],  # bundled inside echarts.min.js; its BSD licence travels with it
}


def target(package: str) -> Path:
    """`@fullcalendar/core` -> vendor/fullcalendar/core (no `@` in a URL path)."""
    return VENDOR / package.lstrip("@")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the copies differ from git")
    args = parser.parse_args()
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor_static: npm not found (Debian: apt-get install nodejs npm)")
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ROOT,
        check=True,
    )
    if VENDOR.exists():
        shutil.rmtree(VENDOR)  # a file dropped from FILES must not linger
    for package, files in FILES.items():
        for name in files:
            source = MODULES / package / name
            dest = target(package) / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
    print(f"vendor_static: copied {sum(map(len, FILES.values()))} files into {VENDOR}")
    if args.check:
        relative = VENDOR.relative_to(ROOT)
        untracked = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard", str(relative)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        diff = subprocess.run(["git", "diff", "--exit-code", "--stat", "--", relative], cwd=ROOT)
        if diff.returncode or untracked:
            print(untracked)
            sys.exit(
                "vendor_static: the vendored files differ from package-lock.json: run "
                "`python3 scripts/vendor_static.py` and commit kehu/web/static/vendor/"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
