"""What a condition is read against besides the record: who asks, and when."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Context:
    """`user` resolves "me"; `now` and `zone` fix the days a date condition means, so the
    compiler and the evaluator agree on "today" and on where a day starts."""

    user: object | None = None
    now: datetime.datetime = field(default_factory=timezone.now)
    zone: datetime.tzinfo = field(default_factory=timezone.get_current_timezone)

    @property
    def today(self) -> datetime.date:
        return self.now.astimezone(self.zone).date()

    def day_start(self, day: datetime.date) -> datetime.datetime:
        """The first moment of `day` in the context's time zone."""
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=self.zone)
