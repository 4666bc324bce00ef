"""Realistic bilingual demo data for `kehu demo`, one module per domain: `accounts` (teams and
users), `customers` (companies, people, tags, custom fields and their history, made from
`names`), `activities`, `mail`, `sales`, `history` (three years of closed sales) and
`service` (the service desk and two months of tickets).

Everything is made through the services, so records carry owners, versions and audit history,
and it is deterministic: the same seed gives the same companies, people and phone numbers.
"""

import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.customers.models import Company, Person
from kehu.demo import activities, customers, history, mail, sales, service
from kehu.demo.accounts import DEMO_PASSWORD, colleagues_for, create_users
from kehu.demo.customers import SEED, build_plan

__all__ = ["DEMO_PASSWORD", "SEED", "build_plan", "has_no_customers", "is_empty", "load"]


def is_empty() -> bool:
    return not User.objects.exists() and not Person.all_objects.exists()


def has_no_customers() -> bool:
    """No person and no company, not even in the recycle bin: sample data may be loaded."""
    return not Person.all_objects.exists() and not Company.all_objects.exists()


def load(
    seed: int = SEED,
    log=print,
    history_months: int = history.MONTHS,
    tickets: int = service.TICKETS,
) -> bool:
    """Fill an empty database with the demo; returns False (and changes nothing) otherwise.
    `history_months`: how many past months of closed sales to make, `tickets`: how many
    tickets (tests that need a filled instance rather than its history ask for fewer: each
    month costs about 0.1 s, each ticket about 0.05 s)."""
    if not is_empty():
        return False
    with transaction.atomic():
        _fill(create_users(), seed, log, history_months, tickets)
    return True


def load_sample(actor: User, seed: int = SEED, log=print) -> bool:
    """Fill an instance that has users but no customers yet with the demo's customers and
    sales, as the home page offers administrators (kehu.learning.sample_data). The demo's
    administrator is `actor`; its colleagues are made without a usable password. Returns
    False, changing nothing, when there are people or companies already."""
    with transaction.atomic():
        if not has_no_customers():
            return False
        _fill(colleagues_for(actor), seed, log, history.MONTHS, service.TICKETS)
    return True


def _fill(users: dict[str, User], seed: int, log, history_months: int, tickets: int) -> None:
    plan = build_plan(seed)
    rng = random.Random(seed + 1)
    now = timezone.now()
    companies, people = customers.load(plan, users, rng, now, log)
    activities.add_notes(rng, users, people)
    mail.add_emails(rng, users, people, now)
    deals = sales.add_deals(rng, users, companies)
    log("  " + _("%(n)d deals") % {"n": deals})
    sales.add_leads(rng, users)
    quotes = sales.add_quotes(rng, users)
    log("  " + _("%(n)d quotes") % {"n": quotes})
    closed = history.add_history(rng, users, companies, history_months)
    log("  " + _("%(n)d closed deals over three years") % {"n": closed})
    made = service.add_tickets(rng, users, people, users["wang.li"].team, tickets)
    log("  " + _("%(n)d tickets") % {"n": made})
    from kehu.analytics.data_quality.rollup import rebuild

    rebuild()  # the admin's dashboard counts the demo's people at once, not a minute later
