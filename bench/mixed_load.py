"""Kehu under a mixed load of API reads, page views and API writes, beside a bare Django view.

    .venv/bin/python bench/mixed_load.py --db sqlite:////tmp/kehu_bench/1m.sqlite3 \\
        --label sqlite-1m [--clients 16] [--duration 30] [--warmup 5] [--rounds 2] \\
        [--workers N --threads T]

On a database made by bench/generate.py (it needs the `bench_admin` and `bench_user01` users
and their password `bench-password`). Each round starts a real `kehu serve` (the default
workers and threads unless given), logs both users in through the login page and issues them
an API token, warms up, then runs `--clients` keep-alive HTTP clients on loopback for
`--duration` seconds (or `--requests` requests in all). Half the clients act as the
administrator (scope all), half as the sales rep (scope own). Each request is drawn from:

- 70 % API reads with the Bearer token: the people list, 50 a page, following the cursor
  (30 %); a search, `?q=` with a name, pinyin, initials, an email or phone fragment (20 %); one
  person (20 %), remembering its ETag;
- 20 % page views with the browser session: the people list (8 %), a person's page (6 %), the
  companies list (3 %), the global search as the search box asks for it (3 %);
- 10 % API writes: `PATCH /api/v1/people/{id}` of the job title with `If-Match` (the ETag the
  client last read or wrote for that person; a person not yet read is read first).

Every client works on its own people (its share of the ids its user can see), so writes do
not conflict with each other: a 412 counts as an error like any other non-2xx answer.
Then, in the same round, `bench/bare_django.py` is served with the same gunicorn options and
the same clients ask it for the same 50 rows for the same time. Memory is each server
worker's RSS (and PSS: shared pages divided among the processes) read every second under
load; the highest value per worker is reported. The clients are threads of this process and
use CPU on the same machine: their CPU time is reported too. The load averages at the start
and end of each phase are recorded, since the machine may be shared.

Results: a Markdown table on stdout and bench/out/mixed_load-<label>.json. The benchmark
tokens are revoked and deleted afterwards.
"""

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import resource
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
USERS = ["bench_admin", "bench_user01"]
PASSWORD = "bench-password"  # noqa: S105 (bench/generate.py's BENCH_PASSWORD)
TOKEN_NAME = "mixed-load benchmark"
SEARCHES = ["张伟", "王", "zhangwei", "li na", "zw", "qq.com", "1380013", "wang", "陈", "liu"]

SETUP = """
import json, sys
from kehu.cli import setup_django
setup_django()
from kehu.serving.start import prepare_database
prepare_database(False)
from kehu.accounts.models import ApiToken, User
from kehu.customers.models import Person
out = {}
for username in sys.argv[1].split(","):
    user = User.objects.get(username=username)
    ids = list(Person.objects.visible_to(user).order_by("-id").values_list("id", flat=True)[:4000])
    out[username] = {"token": ApiToken.issue(user, sys.argv[2])[1], "ids": ids}
print(json.dumps(out))
"""

CLEANUP = """
import sys
from kehu.cli import setup_django
setup_django()
from kehu.accounts.models import ApiToken
ApiToken.objects.filter(name=sys.argv[1], user__username__in=sys.argv[2].split(",")).delete()
"""

#: (kind, weight in %)
MIX = [
    ("api list", 30),
    ("api search", 20),
    ("api detail", 20),
    ("page people", 8),
    ("page person", 6),
    ("page companies", 3),
    ("page search", 3),
    ("api patch", 10),
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


def memory_kb(pid: int) -> dict[int, tuple[int, int]]:
    """{pid: (PSS, RSS) in kB} of `pid` and its children."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = {}
    for each in [pid, *map(int, children.stdout.split())]:
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:
            continue
        pss = int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))
        rss = int(re.search(r"^Rss:\s+(\d+)", rollup, re.M).group(1))
        found[each] = (pss, rss)
    return found


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # noqa: S310
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_in(port: int, username: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a browser session logged in through the login page."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = browser.open(f"{base}/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": csrf, "username": username, "password": PASSWORD}
    browser.open(f"{base}/login/", data=urllib.parse.urlencode(form).encode(), timeout=30)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies and not any("session" in name for name in cookies):
        raise RuntimeError(f"{username} could not log in (run bench/generate.py's make_users)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies.get("csrftoken", "")


class Client(threading.Thread):
    """One keep-alive HTTP client drawing requests from MIX (or only the bare view)."""

    def __init__(self, number: int, port: int, plan: dict, stop_at, bare: bool, results: dict):
        super().__init__(daemon=True)
        self.port, self.plan, self.stop_at, self.bare = port, plan, stop_at, bare
        self.rng = random.Random(number)
        self.results = results
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cursor: str | None = None
        self.pages = 0
        self.etags: dict[int, str] = {}
        self.kinds = [k for k, _w in MIX]
        self.weights = [w for _k, w in MIX]

    def send(self, method: str, path: str, headers: dict, body: bytes | None = None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return response, data

    def timed(self, kind: str, method: str, path: str, headers: dict, body: bytes | None = None):
        started = time.perf_counter()
        try:
            response, data = self.send(method, path, headers, body)
            status = response.status
        except (OSError, http.client.HTTPException):
            response, data, status = None, b"", 599
        elapsed = (time.perf_counter() - started) * 1000
        self.results["samples"].append((kind, elapsed, status))
        return response, data, status

    def api(self) -> dict:
        return {"Authorization": f"Bearer {self.plan['token']}"}

    def read_person(self, pk: int, kind: str = "api detail") -> None:
        response, _data, status = self.timed(kind, "GET", f"/api/v1/people/{pk}", self.api())
        if status == 200:
            self.etags[pk] = response.getheader("ETag")

    def one(self) -> None:
        if self.bare:
            self.timed("bare view", "GET", "/bare/people", {})
            return
        kind = self.rng.choices(self.kinds, self.weights)[0]
        ids = self.plan["ids"]
        session = {"Cookie": self.plan["cookie"]}
        if kind == "api list":
            path = "/api/v1/people?limit=50"
            if self.cursor and self.pages < 20:
                path += "&cursor=" + urllib.parse.quote(self.cursor)
            else:
                self.pages = 0
            _r, data, status = self.timed(kind, "GET", path, self.api())
            self.cursor = json.loads(data).get("next_cursor") if status == 200 else None
            self.pages += 1
        elif kind == "api search":
            q = urllib.parse.quote(self.rng.choice(SEARCHES))
            self.timed(kind, "GET", f"/api/v1/people?q={q}&limit=20", self.api())
        elif kind == "api detail":
            self.read_person(self.rng.choice(ids))
        elif kind == "page people":
            self.timed(kind, "GET", "/people/", session)
        elif kind == "page person":
            self.timed(kind, "GET", f"/people/{self.rng.choice(ids)}/", session)
        elif kind == "page companies":
            self.timed(kind, "GET", "/companies/", session)
        elif kind == "page search":
            q = urllib.parse.quote(self.rng.choice(SEARCHES))
            self.timed(kind, "GET", f"/search/?q={q}", {**session, "HX-Request": "true"})
        else:  # api patch
            # a person this client has read (or written) before, with the ETag it got then
            pk = self.rng.choice(list(self.etags)) if self.etags else self.rng.choice(ids)
            if pk not in self.etags:
                self.read_person(pk)
            if pk not in self.etags:
                return
            body = json.dumps({"title": f"Bench {self.rng.randrange(10**6)}"}).encode()
            headers = {**self.api(), "If-Match": self.etags[pk],
                       "Content-Type": "application/json"}  # fmt: skip
            response, _d, status = self.timed(kind, "PATCH", f"/api/v1/people/{pk}", headers, body)
            if status == 200:
                self.etags[pk] = response.getheader("ETag")
            else:
                self.etags.pop(pk, None)

    def run(self) -> None:
        while self.stop_at():
            self.one()
        self.conn.close()


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid`'s worker processes."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    total = 0
    for each in map(int, children.stdout.split()):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_load(port: int, plans: list[dict], args, bare: bool, seconds: float, server_pid: int):
    """Run the clients for `seconds` (or until args.requests); samples and memory peaks."""
    results: dict = {"samples": []}
    deadline = time.monotonic() + seconds
    limit = args.requests if not bare or args.requests else 0

    def going() -> bool:
        if limit and len(results["samples"]) >= limit:
            return False
        return time.monotonic() < deadline

    clients = [Client(n, port, plans[n], going, bare, results) for n in range(args.clients)]
    peaks: dict[int, tuple[int, int]] = {}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    server0 = server_cpu_s(server_pid)
    load0 = os.getloadavg()[0]
    started = time.perf_counter()
    for client in clients:
        client.start()
    while any(c.is_alive() for c in clients):
        for pid, (pss, rss) in memory_kb(server_pid).items():
            old = peaks.get(pid, (0, 0))
            peaks[pid] = (max(old[0], pss), max(old[1], rss))
        time.sleep(1)
    for client in clients:
        client.join()
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = server_cpu_s(server_pid) - server0
    samples = results["samples"]
    workers = {pid: v for pid, v in peaks.items() if pid != server_pid}
    return summarise(samples, wall) | {
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(len(samples), 1), 1),
        "client_cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
        "worker_rss_mb": sorted(round(rss / 1024) for _p, rss in workers.values()),
        "worker_pss_mb": sorted(round(pss / 1024) for pss, _r in workers.values()),
        "master_rss_mb": round(peaks.get(server_pid, (0, 0))[1] / 1024),
        "load_average": [load0, os.getloadavg()[0]],
    }


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {}

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 1),
    }


def summarise(samples: list[tuple[str, float, int]], wall: float) -> dict:
    errors: dict[str, int] = {}
    for kind, _ms, status in samples:
        if status >= 300:
            key = f"{kind} {status}"
            errors[key] = errors.get(key, 0) + 1
    kinds = {}
    for kind in sorted({s[0] for s in samples}):
        times = [ms for k, ms, _s in samples if k == kind]
        kinds[kind] = {"requests": len(times), **percentiles(times)}
    return {
        "requests": len(samples),
        "seconds": round(wall, 1),
        "per_second": round(len(samples) / wall, 1),
        **percentiles([ms for _k, ms, _s in samples]),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "kinds": kinds,
    }


def kehu_phase(args, users: dict, env: dict) -> dict:
    command = [sys.executable, "-m", "kehu.cli", "serve", "--port", str(args.port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE if args.quiet else None)  # fmt: skip
    try:
        wait_for(args.port, server)
        sessions = {name: log_in(args.port, name) for name in users}
        plans = []
        for n in range(args.clients):
            name = USERS[n % len(USERS)]
            share = len([m for m in range(args.clients) if USERS[m % len(USERS)] == name])
            ids = users[name]["ids"][n // len(USERS) :: share]
            plans.append({"token": users[name]["token"], "ids": ids,
                          "cookie": sessions[name][0], "user": name})  # fmt: skip
        run_load(args.port, plans, args, False, args.warmup, server.pid)
        return run_load(args.port, plans, args, False, args.duration, server.pid)
    finally:
        stop(server)


def bare_phase(args, env: dict) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "bare_django.py"), "--port",
               str(args.port + 1), "--workers", str(args.workers or 2),
               "--threads", str(args.threads or 4)]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for(args.port + 1, server)
        plans = [{}] * args.clients
        run_load(args.port + 1, plans, args, True, args.warmup, server.pid)
        return run_load(args.port + 1, plans, args, True, args.duration, server.pid)
    finally:
        stop(server)


def default_processes(env: dict) -> tuple[int, int]:
    code = "from kehu.cli import setup_django; setup_django(); " \
           "from kehu.serving.start import default_workers; print(*default_workers())"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    workers, threads = out.stdout.split()[-2:]
    return int(workers), int(threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL (made by bench/generate.py)")
    parser.add_argument("--label", required=True)
    parser.add_argument("--data-dir", default="/tmp/kehu_bench/mixed_load")  # noqa: S108
    parser.add_argument("--port", type=int, default=18160, help="Kehu's; the bare view +1")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30, help="seconds per phase")
    parser.add_argument("--requests", type=int, default=0, help="stop a phase after N requests")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before each phase")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0, help="default: kehu serve's")
    parser.add_argument("--threads", type=int, default=0, help="default: kehu serve's")
    parser.add_argument("--quiet", action="store_true", help="hide the servers' error log")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    env = environment(args)
    if not args.workers or not args.threads:
        workers, threads = default_processes(env)
        args.workers, args.threads = args.workers or workers, args.threads or threads
    setup = subprocess.run([sys.executable, "-c", SETUP, ",".join(USERS), TOKEN_NAME], cwd=ROOT,
                           env=env, capture_output=True, text=True, check=True)  # fmt: skip
    users = json.loads(setup.stdout.strip().splitlines()[-1])
    rounds = []
    try:
        for number in range(args.rounds):
            # alternate the order, so a drift in the machine's load hits both alike
            order = ["kehu", "bare"] if number % 2 == 0 else ["bare", "kehu"]
            result = {"round": number + 1}
            for phase in order:
                result[phase] = kehu_phase(args, users, env) if phase == "kehu" else \
                    bare_phase(args, env)  # fmt: skip
                print(phase, json.dumps({k: v for k, v in result[phase].items() if k != "kinds"}),
                      flush=True)  # fmt: skip
            rounds.append(result)
    finally:
        subprocess.run([sys.executable, "-c", CLEANUP, TOKEN_NAME, ",".join(USERS)], cwd=ROOT,
                       env=env, check=False)  # fmt: skip
    report = {
        "label": args.label,
        "db": args.db.split("@")[-1],
        "clients": args.clients,
        "duration_s": args.duration,
        "workers": args.workers,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rounds": rounds,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"mixed_load-{args.label}.json").write_text(json.dumps(report, indent=2))
    print_tables(report)


def print_tables(report: dict) -> None:
    print(f"\n{report['label']}: {report['clients']} clients, {report['duration_s']:.0f} s a "
          f"phase, {report['workers']} × {report['threads']} gunicorn")  # fmt: skip
    print("\n| round | server | requests/s | p50 ms | p95 ms | p99 ms | errors | "
          "RSS MB per worker | PSS MB per worker | client CPU s | load average |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- |")
    for result in report["rounds"]:
        for phase, name in (("kehu", "Kehu (mix)"), ("bare", "bare Django view")):
            r = result[phase]
            print(f"| {result['round']} | {name} | {r['per_second']:,.0f} | {r['p50_ms']} | "
                  f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} | "
                  f"{', '.join(map(str, r['worker_rss_mb']))} | "
                  f"{', '.join(map(str, r['worker_pss_mb']))} | {r['client_cpu_s']} | "
                  f"{r['load_average'][0]:.1f}–{r['load_average'][1]:.1f} |")  # fmt: skip
    print("\n| request | share | requests | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    kinds = report["rounds"][-1]["kehu"]["kinds"]
    total = sum(k["requests"] for k in kinds.values())
    for kind, k in kinds.items():
        print(f"| {kind} | {100 * k['requests'] / total:.0f} % | {k['requests']:,} | "
              f"{k['p50_ms']} | {k['p95_ms']} | {k['p99_ms']} |")  # fmt: skip


if __name__ == "__main__":
    main()
