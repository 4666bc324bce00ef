"""The SLA clock benchmark: time 100,000 due-time computations on a Shanghai office calendar
(lunch break, China's holidays and make-up days), for tickets arriving at random moments in
2025–2027 with SLA targets of 15 minutes to 5 working days.

    .venv/bin/python bench/business_hours.py [--count 100000]

It runs twice: with one calendar for all tickets, and with a new calendar per ticket (as code
that builds the calendar from the database for each ticket would). Each run starts with cold
caches, so the figure includes converting each day's hours to UTC once.
"""

import argparse
import datetime
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kehu.service.sla import calendar as sla_calendar  # noqa: E402
from kehu.service.sla.calendar import WorkingCalendar, default_hours  # noqa: E402

TARGETS = [15 * 60, 3600, 4 * 3600, 8 * 3600, 16 * 3600, 24 * 3600, 40 * 3600]


def _tickets(count: int) -> list[tuple[datetime.datetime, int]]:
    rng = random.Random(20261207)
    zone = ZoneInfo("Asia/Shanghai")
    first = datetime.datetime(2025, 1, 1, tzinfo=zone)
    span = 3 * 365 * 86400
    return [
        (first + datetime.timedelta(seconds=rng.randrange(span)), rng.choice(TARGETS))
        for _ in range(count)
    ]


def _clear_caches() -> None:
    sla_calendar._utc_intervals.cache_clear()
    sla_calendar._china_day.cache_clear()
    sla_calendar.china_has_data.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    tickets = _tickets(count)
    hours = default_hours()

    _clear_caches()
    shared = WorkingCalendar("Asia/Shanghai", hours)
    began = time.perf_counter()
    for start, seconds in tickets:
        shared.add_business_seconds(start, seconds)
    one_calendar = time.perf_counter() - began

    _clear_caches()
    began = time.perf_counter()
    for start, seconds in tickets:
        WorkingCalendar("Asia/Shanghai", hours).add_business_seconds(start, seconds)
    fresh_calendars = time.perf_counter() - began

    print(f"{count} due times, one calendar:          {one_calendar:.2f} s")
    print(f"{count} due times, a new calendar each:   {fresh_calendars:.2f} s")


if __name__ == "__main__":
    main()
