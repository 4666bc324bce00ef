"""The recycle bin offers Restore only to those the restore service lets restore the item:
binned activities follow `activities.services.restore_activity` (their owner, or anyone who
may edit the record), records their module's delete right."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kehu.activities import services
from kehu.customers import services as customer_services
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def readonly(db, team_a):
    """Read-only role: sees every record, may change none (but logs and bins its own notes)."""
    return make_user("reader", role="Read-only", team=team_a)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bin(user) -> str:
    response = _client(user).get(reverse("recycle-bin"))
    assert response.status_code == 200
    return response.content.decode()


def _restorable(html: str, url_name: str) -> set[int]:
    """The items the page offers a Restore button for."""
    pattern = re.escape(reverse(url_name, args=[987654321])).replace("987654321", r"(\d+)")
    return {int(pk) for pk in re.findall(f'action="{pattern}"', html)}


def _linked(html: str, objects) -> set[int]:
    return {o.pk for o in objects if f'href="{o.get_absolute_url()}"' in html}


@pytest.fixture
def binned(rep, manager, readonly):
    """Notes on the rep's person, each by a different author, all in the bin; and a binned
    person of the rep's."""
    person = make_person(rep, "张伟")
    notes = {}
    for author in (rep, manager, readonly):
        notes[author.username] = services.add_note(author, person, f"{author.username} 的备注")
        services.delete_activity(author, notes[author.username])
    gone = make_person(rep, "李娜")
    customer_services.delete_person(rep, gone)
    return notes, gone


def test_restore_is_offered_only_to_those_who_may_restore(
    binned, rep, manager, readonly, outsider, client
):
    notes, gone = binned
    everything = {n.pk for n in notes.values()}
    expected = {
        # the record's owner and their manager may edit the person: every note
        rep: everything,
        manager: everything,
        # reading the person is not enough: only the note it wrote itself
        readonly: {notes["reader"].pk},
        outsider: set(),
    }
    for user, restorable in expected.items():
        html = _bin(user)
        shown = everything if user != outsider else set()
        assert _linked(html, notes.values()) == shown, user
        assert _restorable(html, "activity-restore") == restorable, user
    # and the restore service agrees
    for note in notes.values():
        if note.pk not in expected[readonly]:
            url = reverse("activity-restore", args=[note.pk])
            assert _client(readonly).post(url, {"next": "bin"}).status_code == 403
    url = reverse("activity-restore", args=[notes["reader"].pk])
    assert _client(readonly).post(url, {"next": "bin"}).status_code == 302


def test_binned_records_keep_their_rule(binned, rep, readonly):
    """As for people: seen by whoever may read them, restored by whoever may delete them."""
    _notes, gone = binned
    assert _restorable(_bin(rep), "person-restore") == {gone.pk}
    html = _bin(readonly)
    assert _linked(html, [gone]) == {gone.pk}
    assert _restorable(html, "person-restore") == set()
