"""Turn bench/out/*.json (written by measure.py) into the markdown tables of docs/benchmarks.md.

.venv/bin/python bench/report.py                      # print the tables
.venv/bin/python bench/report.py --write docs/benchmarks.md
    # replace what sits between <!-- results --> and <!-- /results --> in that file
"""

import argparse
import json
import re
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
RUNS = [("sqlite-10k", "sqlite-1m", "SQLite"), ("pg-10k", "pg-1m", "PostgreSQL")]
LIST_P95, SEARCH_P95, CREATE_P50, SCALE = 30.0, 50.0, 5.0, 1.5
IMPORT_RATE, IMPORT_SHARE, IMPORT_RSS = 20_000, 0.25, 150


def ok(passed: bool | None) -> str:
    return "—" if passed is None else ("pass" if passed else "**FAIL**")


def load(label: str) -> dict | None:
    path = OUT / f"{label}.json"
    return json.loads(path.read_text()) if path.exists() else None


def ms(entry: dict, key: str) -> str:
    return f"{entry[key]:.1f}" if key in entry else "—"


def machine_line(run: dict) -> str:
    m = run["machine"]
    loads = []
    for section in ("list", "api_list", "search", "create", "import"):
        values = [float(e["load"].split()[0]) for e in run.get(section, {}).values() if "load" in e]
        if values:
            loads.append(f"{section} {min(values):.1f}–{max(values):.1f}")
    return (
        f"*{run['label']}*: {run['people']:,} people, {run['companies']:,} companies; "
        f"{m['database']}; {m['nproc']} CPUs ({m['cpu']}); last run {m['date']}. "
        f"1-minute load average while each section ran: {', '.join(loads)}."
    )


def cpu(entry: dict, key: str) -> str:
    return f"{entry[key]:.1f}" if key in entry else "—"


def verdict(entry: dict, goal: float, key: str = "p95") -> str:
    """Pass/fail on wall time; when wall time fails but the CPU time passes, say so."""
    wall_ok = entry[key] <= goal
    cpu_ok = entry.get(f"cpu_{key}", entry[key]) <= goal
    if wall_ok:
        return "pass"
    return "**FAIL** (CPU: pass)" if cpu_ok else "**FAIL**"


def list_table(small: dict | None, big: dict) -> list[str]:
    lines = [
        "| list page (50 rows) | via | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms "
        f"| raw keyset p95 ms | goal p95 ≤ {LIST_P95:.0f} ms "
        f"| 1M ÷ 10k, wall p50 (≤ {SCALE}) | 1M ÷ 10k, CPU p50 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for section in ("list", "api_list"):
        for case, entry in big.get(section, {}).items():
            app, raw = entry["app"], entry.get("raw", {})
            ratio_cell = cpu_ratio_cell = "—"
            if small and case in small.get(section, {}):
                base = small[section][case]["app"]
                ratio = app["p50"] / base["p50"]
                ratio_cell = f"{ratio:.2f} {ok(ratio <= SCALE)}"
                if "cpu_p50" in app and base.get("cpu_p50"):
                    cpu_ratio = app["cpu_p50"] / base["cpu_p50"]
                    cpu_ratio_cell = f"{cpu_ratio:.2f} {ok(cpu_ratio <= SCALE)}"
            name = case if section == "list" else f"API: {case}"
            lines.append(
                f"| {name} | {entry.get('via', '')} | {ms(app, 'p50')} | {ms(app, 'p95')} "
                f"| {ms(app, 'max')} | {cpu(app, 'cpu_p50')} | {cpu(app, 'cpu_p95')} "
                f"| {ms(raw, 'p95')} | {verdict(app, LIST_P95)} | {ratio_cell} "
                f"| {cpu_ratio_cell} |"
            )
    return lines


def search_table(run: dict) -> list[str]:
    lines = [
        "| global search | hits (people / companies) | p50 ms | p95 ms | max ms | CPU p50 ms "
        f"| CPU p95 ms | raw index lookup p95 ms | goal p95 ≤ {SEARCH_P95:.0f} ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for case, entry in run.get("search", {}).items():
        app, raw, hits = entry["app"], entry["raw"], entry["hits"]
        lines.append(
            f"| {case} | {hits['people']:,} / {hits['companies']:,} | {ms(app, 'p50')} "
            f"| {ms(app, 'p95')} | {ms(app, 'max')} | {cpu(app, 'cpu_p50')} "
            f"| {cpu(app, 'cpu_p95')} | {ms(raw, 'p95')} | {verdict(app, SEARCH_P95)} |"
        )
    return lines


def create_table(run: dict) -> list[str]:
    lines = [
        "| create | via | p50 ms | p95 ms | max ms | CPU p50 ms | raw INSERT p50 ms "
        f"| goal p50 ≤ {CREATE_P50:.0f} ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for case, entry in run.get("create", {}).items():
        app, raw = entry["app"], entry["raw"]
        lines.append(
            f"| {case} | {entry['via']} | {ms(app, 'p50')} | {ms(app, 'p95')} | {ms(app, 'max')} "
            f"| {cpu(app, 'cpu_p50')} | {ms(raw, 'p50')} | {verdict(app, CREATE_P50, 'p50')} |"
        )
    return lines


def import_table(run: dict) -> list[str]:
    lines = [
        "| import | via | rows | seconds | rows/s | peak RSS MB "
        f"| goal ≥ {IMPORT_RATE:,}/s | goal ≥ {IMPORT_SHARE:.0%} of raw "
        f"| goal RSS < {IMPORT_RSS} |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    entries = run.get("import", {})
    for case, entry in entries.items():
        if "error" in entry:
            lines.append(f"| {case} | error: {entry['error'].splitlines()[-1][:120]} |||||||")
            continue
        rate = entry["rows_per_s"]
        is_app = case.startswith("app")
        raw_entry = entries.get(case.replace("app", "raw", 1), {})
        share = rate / raw_entry["rows_per_s"] if is_app and "rows_per_s" in raw_entry else None
        share_cell = f"{share:.0%} {ok(share >= IMPORT_SHARE)}" if share is not None else "—"
        lines.append(
            f"| {case} | {entry.get('via', '')} | {entry['rows']:,} | {entry['seconds']:.2f} "
            f"| {rate:,.0f} | {entry['max_rss_mb']:.0f} "
            f"| {ok(rate >= IMPORT_RATE) if is_app else '—'} | {share_cell} "
            f"| {ok(entry['max_rss_mb'] < IMPORT_RSS) if is_app else '—'} |"
        )
    return lines


def _worst(run: dict | None, section: str, key: str) -> tuple[float, float] | None:
    """The worst (wall, CPU) value of `key` over a section's cases."""
    entries = [e["app"] for e in (run or {}).get(section, {}).values() if "app" in e]
    if not entries:
        return None
    return max(e[key] for e in entries), max(e.get(f"cpu_{key}", e[key]) for e in entries)


def summary(runs: dict) -> list[str]:
    """One line per goal: the worst case of each data set, wall (CPU) ms."""
    labels = ["sqlite-10k", "sqlite-1m", "pg-10k", "pg-1m"]
    lines = [
        "| goal | " + " | ".join(labels) + " |",
        "| --- |" + " --- |" * len(labels),
    ]
    for title, section, key, goal in (
        (f"list page p95 ≤ {LIST_P95:.0f} ms (worst case)", "list", "p95", LIST_P95),
        (f"search p95 ≤ {SEARCH_P95:.0f} ms (worst query)", "search", "p95", SEARCH_P95),
        (f"API create p50 ≤ {CREATE_P50:.0f} ms", "create", "p50", CREATE_P50),
        (f"API list p95 (≤ {LIST_P95:.0f} ms)", "api_list", "p95", LIST_P95),
    ):
        cells = []
        for label in labels:
            worst = _worst(runs.get(label), section, key)
            if worst is None:
                cells.append("—")
                continue
            wall, cpu_ms = worst
            mark = "pass" if wall <= goal else ("FAIL (CPU pass)" if cpu_ms <= goal else "FAIL")
            cells.append(f"{wall:,.0f} ({cpu_ms:,.0f} CPU) {mark}")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    cells = []
    for label in labels:
        small, big = runs.get(label.replace("1m", "10k")), runs.get(label)
        if not label.endswith("1m") or not small or not big:
            cells.append("—")
            continue
        ratios = [
            (entry["app"]["cpu_p50"] / small["list"][case]["app"]["cpu_p50"], case)
            for case, entry in big.get("list", {}).items()
            if case in small.get("list", {})
        ]
        worst, case = max(ratios)
        cells.append(f"{worst:.2f} ({case}) {'pass' if worst <= SCALE else 'FAIL'}")
    lines.append(f"| list CPU p50 at 1M ÷ 10k ≤ {SCALE} (worst case) | " + " | ".join(cells) + " |")
    cells = []
    for label in labels:
        entries = (runs.get(label) or {}).get("import", {})
        app = next(
            (e for k, e in entries.items() if k.startswith("app") and "rows_per_s" in e), None
        )
        raw = next(
            (e for k, e in entries.items() if k.startswith("raw") and "rows_per_s" in e), None
        )
        if not app:
            cells.append("—")
            continue
        rss = max(
            e["max_rss_mb"] for k, e in entries.items() if k.startswith("app") and "max_rss_mb" in e
        )
        share = f", {app['rows_per_s'] / raw['rows_per_s']:.0%} of raw" if raw else ""
        cells.append(f"{app['rows_per_s']:,.0f} rows/s{share}, {rss:.0f} MB")
    lines.append(
        f"| import ≥ {IMPORT_RATE:,} rows/s, ≥ {IMPORT_SHARE:.0%} of raw, RSS < {IMPORT_RSS} MB | "
        + " | ".join(cells)
        + " |"
    )
    return lines


def render() -> str:
    runs = {label: load(label) for pair in RUNS for label in pair[:2]}
    out: list[str] = ["### Summary: worst case per goal, wall ms (CPU ms)", ""]
    out += summary(runs) + [""]
    for small_label, big_label, title in RUNS:
        small, big = load(small_label), load(big_label)
        for run, other in ((big, small), (small, None)):
            if run is None:
                continue
            out += [f"### {title}, {run['people']:,} people", "", machine_line(run), ""]
            out += list_table(other, run) + [""]
            out += search_table(run) + [""]
            if run.get("create"):
                out += create_table(run) + [""]
            if run.get("import"):
                out += import_table(run) + [""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path, help="markdown file with <!-- results --> markers")
    opts = parser.parse_args()
    text = render()
    if not opts.write:
        print(text)
        return
    doc = opts.write.read_text()
    pattern = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.S)
    if not pattern.search(doc):
        raise SystemExit(f"{opts.write} has no <!-- results --> … <!-- /results --> markers")
    opts.write.write_text(pattern.sub(lambda m: m.group(1) + text + "\n" + m.group(2), doc))


if __name__ == "__main__":
    main()
