"""How long a failed login takes, by reason: an unknown username, a wrong password, a locked
account (with a wrong and with the right password). With the production hasher (Argon2) they
must take about the same time, or the timing tells which usernames exist.

    .venv/bin/python bench/login_timing.py --db sqlite:////tmp/kehu_bench/login.sqlite3
    .venv/bin/python bench/login_timing.py --db postgres://postgres@127.0.0.1:5432/bench_login

Each case logs in through the real login view (django.test.Client) from its own address, so
the per-address limit does not interfere; prints the median and the 90th percentile in ms.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args()

    from django_start import start

    start(args.db)
    import datetime

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from kehu.accounts.models import FailedLogin, User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page links its CSS
    settings.LOGIN_MAX_FAILURES = 10**6  # the wrong-password case must not lock its account
    for name in ("bench_open", "bench_locked"):
        if not User.objects.filter(username=name).exists():
            User.objects.create_user(name, password="bench-not-secret")
    locked_until = timezone.now() + datetime.timedelta(days=1)
    User.objects.filter(username="bench_locked").update(locked_until=locked_until)
    cases = {
        "unknown username": ("bench_nobody", "wrong"),
        "wrong password": ("bench_open", "wrong"),
        "locked, wrong password": ("bench_locked", "wrong"),
        "locked, right password": ("bench_locked", "bench-not-secret"),
    }
    print(f"| case ({settings.PASSWORD_HASHERS[0].rsplit('.', 1)[1]}) | median ms | p90 ms |")
    print("| --- | ---: | ---: |")
    for number, (label, (username, password)) in enumerate(cases.items()):
        client, times = Client(), []
        for i in range(args.iterations + 3):
            address = f"198.18.{number}.{i % 250 + 1}"
            started = time.perf_counter()
            response = client.post(
                "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (label, response.status_code)
            if i >= 3:  # warm-up
                times.append(elapsed)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"| {label} | {statistics.median(times):.1f} | {p90:.1f} |")
    FailedLogin.objects.filter(address__startswith="198.18.").delete()


if __name__ == "__main__":
    main()
