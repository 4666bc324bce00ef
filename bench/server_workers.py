"""How many gunicorn processes `kehu serve` should start by default: throughput, latency and
memory of a real `kehu serve` for several `--workers` values under the same bounded load.

    .venv/bin/python bench/server_workers.py --db postgres://postgres@127.0.0.1/kehu_bench_srv \\
        [--workers 1,2,3,5] [--threads 4] [--requests 600] [--concurrency 16] [--rounds 2]

The database is migrated and given the demo data on the first run. Each round starts the
server once per setting (in alternating order, so a drift of the machine's load hits every
setting alike), warms it up, then sends `--requests` GETs from `--concurrency` keep-alive
clients on loopback: API lists and searches with a token, and the start page, people and
company lists with a browser session. Memory is the proportional set size (PSS: shared pages
divided among the processes sharing them) and the RSS of the master and its workers, read after
the load. Results go to stdout as a Markdown table and to bench/out/server_workers.json.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

SETUP = """
from kehu.cli import setup_django
setup_django()
from kehu.serving.start import prepare_database
prepare_database(False)
from kehu import demo
if demo.is_empty():
    demo.load(log=lambda *a: None)
from kehu.accounts.models import ApiToken, User
print(ApiToken.issue(User.objects.get(username="admin"), "bench")[1])
"""

#: (path, authenticated by) in the order the clients cycle through them
REQUESTS = [
    ("/api/v1/people?limit=50", "token"),
    ("/", "session"),
    ("/api/v1/people?q=zhang&limit=20", "token"),
    ("/people/", "session"),
    ("/api/v1/companies?limit=50", "token"),
    ("/companies/", "session"),
    ("/api/v1/deals?limit=50", "token"),
    ("/healthz", None),
]


def environment(args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHU_")}
    env.update(
        KEHU_DATA_DIR=args.data_dir,
        KEHU_DATABASE_URL=args.db,
        KEHU_SECRET_KEY="bench-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        KEHU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="kehu.settings",
    )
    return env


def memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB of `pid` and its children."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    pss = rss = 0
    for each in [pid, *map(int, children.stdout.split())]:
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        pss += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))
        rss += int(re.search(r"^Rss:\s+(\d+)", rollup, re.M).group(1))
    return pss, rss


def log_in(port: int) -> str:
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = browser.open(f"{base}/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": csrf, "username": "admin", "password": "kehu-demo"}
    browser.open(f"{base}/login/", data=urllib.parse.urlencode(form).encode(), timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(port: int, token: str, cookie: str, total: int, concurrency: int) -> dict:
    """`total` GETs from `concurrency` keep-alive clients; latencies in ms and the wall time."""
    latencies: list[float] = []
    errors: list[int] = []
    counter = iter(range(total))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path, auth = REQUESTS[n % len(REQUESTS)]
            headers = {}
            if auth == "token":
                headers["Authorization"] = f"Bearer {token}"
            elif auth == "session":
                headers["Cookie"] = cookie
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(wall, 2),
        "per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1], 1),
    }


def measure(args, token: str, workers: int) -> dict:
    env = environment(args)
    server = subprocess.Popen(
        [sys.executable, "-m", "kehu.cli", "serve", "--port", str(args.port),
         "--workers", str(workers), "--threads", str(args.threads)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=5)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("kehu serve did not start") from None
                time.sleep(0.3)
        cookie = log_in(args.port)
        load(args.port, token, cookie, len(REQUESTS) * workers * args.threads * 2, args.concurrency)
        result = load(args.port, token, cookie, args.requests, args.concurrency)
        result["pss_mb"], result["rss_mb"] = (round(kb / 1024) for kb in memory_kb(server.pid))
        result["workers"] = workers
        result["load_average"] = os.getloadavg()[0]
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL (its own, scratch database)")
    parser.add_argument("--data-dir", default="/tmp/kehu_bench/server_workers")  # noqa: S108
    parser.add_argument("--port", type=int, default=18150)
    parser.add_argument("--workers", default="1,2,3,5")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=environment(args),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = setup.stdout.strip().splitlines()[-1]
    settings = [int(w) for w in args.workers.split(",")]
    results = []
    for round_number in range(args.rounds):
        order = settings if round_number % 2 == 0 else list(reversed(settings))
        for workers in order:
            result = measure(args, token, workers)
            result["round"] = round_number + 1
            results.append(result)
            print(json.dumps(result), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "server_workers.json").write_text(json.dumps(results, indent=2))
    print("\n| processes × threads | requests/s | p50 ms | p95 ms | p99 ms | PSS MB | RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for workers in settings:
        runs = [r for r in results if r["workers"] == workers]

        def mid(key: str, runs=runs) -> float:
            return round(statistics.median(r[key] for r in runs), 1)

        print(
            f"| {workers} × {args.threads} | {mid('per_second')} | {mid('p50_ms')} | "
            f"{mid('p95_ms')} | {mid('p99_ms')} | {mid('pss_mb'):.0f} | {mid('rss_mb'):.0f} |"
        )


if __name__ == "__main__":
    main()
