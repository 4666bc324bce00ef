"""Messages to users speak plainly: no setting names, file paths or "see the README" in pages
and errors; a user is told to ask an administrator, an administrator gets the page to fix it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from kehu.sales.models import Pipeline
from tests.factories import make_user

KEHU = Path(__file__).resolve().parents[2] / "kehu"
JARGON = re.compile(r"KEHU_[A-Z_]+|README|docs/\S+\.md|environment variable")
#: words for whoever runs the server, where setting names are the point
FOR_OPERATORS = ("cli.py", "commands.py", "serving/", "backup/", "settings.py", "management/")
STRING = re.compile(r"""_\(\s*(?:"[^"]*"\s*)+\)|translate\s+'[^']*'|translate\s+"[^"]*\"""")


def test_no_setting_names_or_readme_in_what_users_read():
    found = []
    for path in sorted(KEHU.rglob("*")):
        relative = path.relative_to(KEHU).as_posix()
        if path.suffix not in (".py", ".html") or "migrations/" in relative:
            continue
        if any(part in relative for part in FOR_OPERATORS):
            continue
        text = path.read_text(encoding="utf-8")
        # everything a template shows is for users; in Python, the translatable strings
        strings = [text] if path.suffix == ".html" else STRING.findall(text)
        found += [f"{relative}: {m}" for s in strings for m in JARGON.findall(s)]
    assert found == []


@pytest.mark.django_db
def test_no_pipeline_tells_a_user_whom_to_ask_and_an_administrator_where_to_go(client):
    Pipeline.objects.all().delete()
    client.force_login(make_user("rep"))
    page = client.get(reverse("deal-create"), follow=True).content.decode()
    assert "There is no pipeline yet: ask an administrator to create one." in page
    client.force_login(make_user("boss", role="Administrator"))
    page = client.get(reverse("deal-create"), follow=True).content.decode()
    assert f'<a href="{reverse("pipeline-list")}">create one under Pipelines</a>' in page
