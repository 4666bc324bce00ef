"""Notes on people and companies: the service rules and the timeline form."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from kehu.activities import services as notes
from kehu.activities import timeline
from kehu.activities.models import Activity
from kehu.core.models import AuditEntry
from kehu.customers import services
from tests.factories import make_company, make_person, make_user

pytestmark = pytest.mark.django_db


def test_add_note_writes_note_and_audit(rep):
    person = make_person(rep, "张伟")
    note = notes.add_note(rep, person, "  Called, wants a quote.  ")
    assert note.body == "Called, wants a quote." and note.owner == rep
    assert list(Activity.objects.on(person)) == [note]
    entry = AuditEntry.objects.get(object_id=note.pk, content_type__model="activity")
    assert entry.action == "create" and entry.changes["_record"] == f"person:{person.pk}"


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_add_note_rejects_empty_and_too_long(rep, body):
    person = make_person(rep, "张伟")
    with pytest.raises(ValidationError) as exc:
        notes.add_note(rep, person, body)
    assert "body" in exc.value.message_dict
    assert not Activity.objects.exists()


def test_note_of_exactly_the_limit_is_fine(rep):
    person = make_person(rep, "张伟")
    assert len(notes.add_note(rep, person, "字" * 10_000).body) == 10_000


def test_add_note_needs_read_access(rep, teammate, outsider, manager):
    person = make_person(rep, "张伟")
    for other in (teammate, outsider):
        with pytest.raises(Http404):
            notes.add_note(other, person, "hello")
    notes.add_note(manager, person, "hello from the manager")
    assert Activity.objects.count() == 1


def test_delete_note_by_author_or_editor_only(rep, manager):
    reader = make_user("reader", role="Read-only")
    person = make_person(rep, "张伟")
    by_reader = notes.add_note(reader, person, "a reader's note")
    by_rep = notes.add_note(rep, person, "rep's note")
    with pytest.raises(PermissionDenied):
        notes.delete_note(reader, by_rep)
    notes.delete_note(reader, by_reader)  # authors may remove their own notes
    notes.delete_note(manager, by_rep)  # editors of the record may too
    assert not Activity.objects.exists()
    assert AuditEntry.objects.filter(content_type__model="activity", action="delete").count() == 2
    with pytest.raises(Http404):
        notes.delete_note(rep, by_rep)  # already gone


def test_timeline_merges_notes_and_history_newest_first(rep):
    person = make_person(rep, "张伟")
    notes.add_note(rep, person, "first note")
    services.update_person(rep, person, {"title": "经理"})
    notes.add_note(rep, person, "second note")
    page = timeline.page(person)
    kinds = [
        (
            i.obj.kind if i.kind == "activity" else "audit",
            getattr(i.obj, "body", None) or i.obj.action,
        )
        for i in page.items
    ]
    assert kinds == [
        ("note", "second note"),
        ("audit", "update"),
        ("note", "first note"),
        ("audit", "create"),
    ]
    assert page.next_cursor is None


def test_timeline_pages_do_not_skip_or_repeat(rep):
    person = make_person(rep, "张伟")
    for i in range(7):
        notes.add_note(rep, person, f"note {i}")
        services.update_person(rep, person, {"title": f"t{i}"})
    seen, cursor = [], None
    while True:
        page = timeline.page(person, cursor, size=4)
        seen += [(i.kind, i.obj.pk) for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 15 and len(set(seen)) == 15
    assert timeline.page(person, "garbage").items == timeline.page(person).items


def test_note_form_with_htmx_returns_the_timeline(client, rep):
    company = make_company(rep, "阿里巴巴")
    client.force_login(rep)
    url = reverse("activity-log", args=["company", company.pk, "note"])
    written = "**met them** <script>alert(1)</script><a href='javascript:alert(2)'>x</a>"
    response = client.post(url, {"body": written}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="timeline"' in body and "<html" not in body
    assert "<strong>met them</strong>" in body  # Markdown, sanitised
    panel, confirmation = body.split('id="messages"')  # the confirmation quotes it, escaped
    assert "<script>alert(1)" not in panel and "javascript:" not in panel
    assert "<script" not in confirmation and "&lt;script&gt;" in confirmation
    assert Activity.objects.get().record == company


def test_note_form_errors_are_shown_and_nothing_saved(client, rep):
    person = make_person(rep, "张伟")
    client.force_login(rep)
    url = reverse("activity-log", args=["person", person.pk, "note"])
    response = client.post(url, {"body": "   "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {"body": "x" * 10_001}, follow=True)
    assert "at most" in response.content.decode()
    assert not Activity.objects.exists()


def test_note_without_htmx_redirects_with_message(client, rep):
    person = make_person(rep, "张伟")
    client.force_login(rep)
    response = client.post(
        reverse("activity-log", args=["person", person.pk, "note"]),
        {"body": "Likes tea"},
        follow=True,
    )
    body = response.content.decode()
    assert "is logged." in body and "Likes tea" in body


def test_note_delete_view(client, rep, outsider):
    person = make_person(rep, "张伟")
    note = notes.add_note(rep, person, "secret")
    client.force_login(outsider)
    assert client.post(reverse("activity-delete", args=[note.pk])).status_code == 404
    client.force_login(rep)
    response = client.post(reverse("activity-delete", args=[note.pk]), HTTP_HX_REQUEST="true")
    panel, confirmation = response.content.decode().split('id="messages"')
    assert response.status_code == 200 and "secret" not in panel
    assert "“secret” is moved to the recycle bin." in confirmation and "Undo" in confirmation
    assert Activity.all_objects.get().deleted_at is not None
    assert client.get(reverse("activity-delete", args=[note.pk])).status_code == 405


def test_binned_record_takes_no_notes(client, rep):
    person = make_person(rep, "张伟")
    services.delete_person(rep, person)
    with pytest.raises(ValidationError):
        notes.add_note(rep, person, "too late")
    client.force_login(rep)
    assert (
        client.post(
            reverse("activity-log", args=["person", person.pk, "note"]), {"body": "x"}
        ).status_code
        == 404
    )
