"""`kehu manage rebuild_adoption --since 2026-01-05 [--until 2026-12-06] [--user NAME …]`."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = (
        "Recompute the staff adoption rows of a range of days from the records, activities "
        "and audit trail (e.g. since go-live). Safe to run again; sign-ins and page views, "
        "which only live requests record, are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--user", action="append", help="only this username (repeatable)")

    def handle(self, *args, **options):
        from kehu.accounts.models import User
        from kehu.analytics.adoption.catch_up import rebuild

        first = _date(options["since"])
        last = (
            _date(options["until"])
            if options["until"]
            else timezone.localdate() - datetime.timedelta(days=1)
        )
        if last < first:
            raise CommandError("--until is before --since")
        user_ids = None
        if options["user"]:
            found = dict(
                User.objects.filter(username__in=options["user"]).values_list("username", "pk")
            )
            missing = sorted(set(options["user"]) - set(found))
            if missing:
                raise CommandError(f"no such user: {', '.join(missing)}")
            user_ids = list(found.values())
        written = rebuild(first, last, user_ids)
        self.stdout.write(f"{written} adoption rows written for {first} … {last}")
