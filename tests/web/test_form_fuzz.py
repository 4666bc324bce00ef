"""Bad input gets a clear error, never a server error: the demo data, a few demo users (and a
read-only one), every distinct POST form on the pages they reach by links, each submitted
with hostile values (overlong, markup, formulas, full-width digits, huge numbers, impossible
dates, values a <select> does not offer). Each submission runs in a savepoint rolled back
after it, so a form that deletes or deactivates leaves the data for the next one."""

import copy
import random
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from kehu.accounts.models import User
from kehu.activities.models import Activity

# demo_data: the demo loaded once per module, as the crawl loads it
from tests.web.test_crawl import SKIP, _shape, demo_data, linked_pages  # noqa: F401

pytestmark = pytest.mark.django_db

#: pages walked per user; the walk takes the most varied ones first, as the crawl does
BUDGET = 150
#: pages of one shape walked: one shows the shape's forms
SAMPLES = 1
#: what a user may type; a <select> gets these too, none of which it offers
HOSTILE = [
    "",
    "x" * 5000,
    "<script>alert(1)</script>",
    "=1+2",
    "１２３",
    "-1",
    "99999999999999999999",
    "2026-02-30",
    "not-a-date",
    "张伟",
]
#: the typed values each user's pass sends in turn: the administrator, who reaches nearly every
#: form, sends them all; the others share them out (between them they send each one), since a
#: form's checks of a typed value do not depend on who sends it, while the paths behind it do
TYPED_BY_USER = {
    "admin": HOSTILE,
    "zhou.min": HOSTILE[0::3],
    "reader": HOSTILE[1::3],
    "liu.yang": HOSTILE[2::3],
}
#: rounds of some fields hostile among plausible ones, per form
MIXED_ROUNDS = 3
#: fields whose values the page offers (and hidden ones): the rest are typed
CHOSEN = {"select", "radio", "checkbox", "submit", "hidden", "file"}
#: forms that end the session: not submitted
NOT_SUBMITTED = re.compile(r"^/logout/")
#: plausible values by input type, so that one hostile field among valid ones reaches the
#: service behind the form and not only the first field check
PLAUSIBLE = {
    "email": "fuzz@example.com",
    "date": "2026-03-01",
    "datetime-local": "2026-03-01T09:30",
    "time": "09:30",
    "number": "1",
    "url": "https://example.com/",
    "tel": "+86 138 0013 8000",
    "color": "#336699",
    "password": "correct-horse-battery-9",
}
NAMED = {
    "username": "fuzz.user",
    "key": "fuzz_key",
    "currency": "USD",
    "to": "fuzz@example.com",
    "cc": "fuzz@example.com",
}
#: a file field's careful value: a well-made file of the kind it takes (`GOOD_FILES`)
KEEP = "\0good-file"
GOOD_FILES = {
    ".csv": "name,email,phone\n张伟,zhang.wei@example.com,13800138000\n".encode(),
    ".eml": (
        "From: 张伟 <zhang.wei@example.com>\r\nTo: sales@example.com\r\n"
        "Subject: =?utf-8?b?5L2g5aW9?=\r\nMessage-ID: <fuzz-1@example.com>\r\n"
        "Date: Mon, 02 Mar 2026 09:30:00 +0800\r\n\r\nHello\r\n"
    ).encode(),
}
#: numbers the forms take as text (they read full-width digits and separators too)
NUMERIC = re.compile(r"quantity|price|amount|percent|rate|points|minutes|position")
#: a formset's rows after its first: left as drawn (a form ignores an empty row)
LATER_ROW = re.compile(r"^\w+-[1-9]\d*-")


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    accept: str = ""  # a file field's first file name ending


@dataclass
class Form:
    action: str
    htmx: bool
    fields: dict[str, Field] = field(default_factory=dict)

    def key(self) -> tuple:
        """Forms alike: the same action with the numbers taken out, the same field names
        (a formset's rows numbered alike too, however many the page draws)."""
        return _shape(self.action)[0], frozenset(re.sub(r"\d+", "N", n) for n in self.fields)


class _FormParser(HTMLParser):
    """The POST forms of a page, with their fields (inputs, selects, textareas, named
    buttons), as a browser would submit them."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = None
            if a.get("method", "").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url)
                self.form = Form(action, htmx="hx-post" in a)
                self.forms.append(self.form)
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))
            if "selected" in a and not self.select.value:
                self.select.value = a.get("value", "")
        elif self.form is None or not a.get("name") or a["name"] == "csrfmiddlewaretoken":
            return
        elif tag in ("input", "button"):
            self._input(a, a.get("type", "text" if tag == "input" else "submit").lower())
        elif tag == "select":
            self.select = Field(a["name"], "select", multiple="multiple" in a)
            self.form.fields[a["name"]] = self.select
        elif tag == "textarea":
            self.textarea = Field(a["name"], "textarea")
            self.form.fields[a["name"]] = self.textarea

    def _input(self, a: dict, kind: str):
        if kind in ("reset", "image", "button"):
            return
        name, chosen = a["name"], kind not in ("checkbox", "radio") or "checked" in a
        value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
        known = self.form.fields.get(name)
        if known is None:
            ending = re.match(r"\.\w+", a.get("accept", "")) if kind == "file" else None
            known = self.form.fields[name] = Field(name, kind, accept=ending[0] if ending else "")
            known.multiple = kind == "file" and "multiple" in a
        if kind in ("checkbox", "radio", "submit"):
            known.options.append(value)
            known.multiple = known.multiple or (kind == "checkbox" and len(known.options) > 1)
        if chosen and not known.value:
            known.value = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # as a browser does: a newline right after <textarea> is not part of the value
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None


def _forms(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def _pages(client: Client, start: list[str]):
    """(url, html) of the pages reached by links, breadth-first, most varied first."""
    for url, response in linked_pages(client, start, BUDGET, SAMPLES):
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            yield url, response.content.decode()


def _plausible(f: Field) -> str | list[str]:
    """What a careful user would send for a field: what the page shows, or a valid value."""
    if f.kind == "file":
        return KEEP
    if f.kind == "hidden" or LATER_ROW.search(f.name):
        return [f.value] if f.multiple and f.value else f.value
    if f.kind in ("select", "checkbox", "radio", "submit"):
        offered = [o for o in f.options if o]
        if f.multiple:
            return [f.value] if f.value else offered[:1]
        return f.value or (offered or f.options or [""])[0]
    if f.value:
        return f.value
    if f.name in NAMED or f.kind in PLAUSIBLE:
        return NAMED.get(f.name) or PLAUSIBLE[f.kind]
    return "1" if NUMERIC.search(f.name) else "Fuzz 测试"


def _hostile(f: Field, value: str) -> str | list[str]:
    if f.kind in ("select", "radio", "checkbox") and value in f.options:
        value = "not-an-option"
    return [value, "张伟"] if f.multiple else value


def _submissions(form: Form, rng: random.Random, typed_values: list[str]):
    """(label, data) to post, each the careful user's values with some made hostile: none;
    all that are typed, with each of `typed_values` in turn (so that one the form's checks let
    through reaches the service behind it); all the chosen and hidden ones; a few rounds of
    some fields of any kind, each field in one round; and every field given two values."""
    names = list(form.fields)
    typed = [n for n in names if form.fields[n].kind not in CHOSEN]
    chosen = [n for n in names if n not in typed]

    def careful(**hostile) -> dict:
        data = {n: _plausible(form.fields[n]) for n in names}
        data.update({n: _hostile(form.fields[n], v) for n, v in hostile.items()})
        return data

    yield "careful", careful()
    for value in typed_values:
        yield f"typed={value[:20]!r}", careful(**dict.fromkeys(typed, value))
    hostile = {n: HOSTILE[i % len(HOSTILE)] for i, n in enumerate(chosen)}
    yield f"chosen={hostile}"[:200], careful(**hostile)
    rounds = min(len(names), MIXED_ROUNDS)
    for r in range(rounds):
        hostile = {n: rng.choice(HOSTILE) for n in names[r::rounds]}
        yield f"{hostile}"[:200], careful(**hostile)
    yield "all=[-1, 张伟]", {n: ["-1", "张伟"] for n in names}


def _encode(form: Form, data: dict) -> dict:
    """Files as uploads: a well-made one where the user's value is kept, else one holding the
    hostile text; an empty one is left out, as a browser leaves it."""
    encoded = {}
    for name, value in data.items():
        f = form.fields[name]
        if f.kind != "file":
            encoded[name] = value
            continue
        texts = [value] if isinstance(value, str) else value
        ending = f.accept or ".csv"
        contents = [GOOD_FILES.get(ending, b"") if t == KEEP else t.encode() for t in texts if t]
        files = [SimpleUploadedFile(f"fuzz{ending}", content) for content in contents]
        if files:
            encoded[name] = files if f.multiple else files[0]
    return encoded


def _check(client: Client, form: Form, label: str, data: dict) -> str | None:
    """Post once, in a savepoint rolled back after, and open the page it leads to. What went
    wrong, or None."""
    headers = {"HX-Request": "true"} if form.htmx else {}
    where = f"POST {form.action} {label}"
    # a form that logs in again or changes one's own password moves the session to a new key,
    # whose row the rollback takes away: go on with the cookies of before
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            try:
                response = client.post(form.action, _encode(form, data), headers=headers)
                target = response.get("Location", "") if response.status_code == 302 else ""
                if target.startswith("/login/"):
                    return f"{where}: the session was lost before it, so it proves nothing"
                if target.startswith("/") and not SKIP.search(target):
                    where += f" -> GET {target}"
                    response = client.get(target)
            finally:
                transaction.set_rollback(True)
    except Exception as exc:  # the test client raises what the view raised
        return f"{where}: {type(exc).__name__}: {str(exc)[:300]}"
    finally:
        client.cookies = cookies
    if response.status_code >= 500:
        return f"{where}: {response.status_code}"
    if b"Traceback" in response.content:
        return f"{where}: a traceback in the page"
    return None


@pytest.mark.usefixtures("demo_data")
@pytest.mark.parametrize("username", list(TYPED_BY_USER))
def test_bad_input_in_every_form_is_refused_cleanly(username, settings):
    # email set up, so that the forms that send are drawn (pytest-django's backend keeps mail)
    settings.EMAIL_HOST = "mail.example.invalid"
    client = Client(headers={"Accept-Language": "en"})
    user = User.objects.get(username=username)
    client.force_login(user)
    visible = Activity.objects.visible_to(user).order_by("-id")
    kinds = [visible.filter(kind=kind).first() for kind in Activity.Kind.values]
    start = ["/"] + [a.get_absolute_url() for a in kinds if a is not None]

    forms: dict[tuple, Form] = {}
    for url, html in _pages(client, start):
        for form in _forms(url, html):
            if not NOT_SUBMITTED.search(form.action):
                forms.setdefault(form.key(), form)
    assert len(forms) > (2 if username == "reader" else 10), "too few forms to mean anything"

    rng = random.Random(f"form-fuzz-{username}")
    failures = []
    for form in forms.values():
        posted = set()  # a form with no fields, or only hidden ones, is posted once
        for label, data in _submissions(form, rng, TYPED_BY_USER[username]):
            if repr(data) not in posted:
                posted.add(repr(data))
                failures.append(_check(client, form, label, data))
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)
