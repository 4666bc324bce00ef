"""The demo's activities: notes, calls, tasks and meetings on some people, so a timeline and
a day have something to show."""

import datetime
import random

from django.utils import timezone

from kehu.activities import services as activities
from kehu.customers.models import Person
from kehu.demo.accounts import users_by_id
from kehu.demo.names import CHINESE_NOTES, CN_AREA, ENGLISH_NOTES


def add_notes(rng: random.Random, users: dict, people: list[Person]) -> None:
    """Notes, calls, meetings and tasks on some people: a timeline and a day to look at."""
    by_id = users_by_id(users)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for person in rng.sample(people, 40):
        owner = by_id[person.owner_id]
        chinese = person.city in CN_AREA
        text = rng.choice(CHINESE_NOTES if chinese else ENGLISH_NOTES)
        activities.add_note(owner, person, text)
        outcome = rng.choice(["connected", "no_answer", "voicemail"])
        call = {"subject": "电话回访" if chinese else "Follow-up call", "outcome": outcome,
                "direction": "out", "at": now - datetime.timedelta(days=rng.randint(1, 40)),
                "duration_minutes": rng.randint(2, 30) if outcome == "connected" else 0,
                }  # fmt: skip
        activities.log_activity(owner, person, "call", call)
        due = now + datetime.timedelta(days=rng.randint(-3, 10), hours=rng.randint(0, 6))
        task = {"subject": "发送报价" if chinese else "Send the quote", "due_at": due,
                "priority": rng.choice(["normal", "normal", "high"]), "remind_minutes": 60,
                }  # fmt: skip
        activities.log_activity(owner, person, "task", task)
        if rng.random() < 0.4:
            start = now + datetime.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 5))
            meeting = {"subject": "上门拜访" if chinese else "Visit", "at": start,
                       "ends_at": start + datetime.timedelta(hours=1),
                       "place": person.city or "", "attendee_people": [person.pk],
                       "remind_minutes": 30}  # fmt: skip
            activities.log_activity(owner, person, "meeting", meeting)
