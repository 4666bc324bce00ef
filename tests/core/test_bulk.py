"""Bulk actions (kehu/core/bulk): every change through the record's service, rows the user may
not change skipped and counted (another's rows never revealed), bad input refused with nothing
changed, a large job run by the worker task, and the browser routes."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core.bulk import jobs, running
from kehu.core.bulk.models import BulkJob
from kehu.core.models import AuditEntry
from kehu.customers import services
from kehu.customers.models import Company, Person, Tag
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead, Pipeline, Stage
from tests.factories import PASSWORD, make_company, make_deal, make_person


def bulk(user, kind, action, **request):
    return jobs.launch(jobs.start(user, kind, action, **request))


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def people(rep, teammate, outsider):
    return {
        "rep": [make_person(rep, f"客户{i}") for i in range(2)],
        "teammate": [make_person(teammate, "同事的客户")],
        "outsider": [make_person(outsider, "外人的客户")],
    }


def test_assign_owner_goes_through_the_service_and_skips_unseen_rows(manager, rep, people):
    mine = people["rep"] + people["teammate"]
    hidden = people["outsider"][0]
    job = bulk(manager, "person", "assign_owner", ids=[p.pk for p in mine] + [hidden.pk, 99999],
               value=manager.pk)  # fmt: skip
    assert (job.status, job.total, job.changed, job.skipped, job.failed) == ("done", 5, 3, 2, 0)
    # the outsider's row and a row that does not exist read the same: "not found"
    assert job.reasons == {running.NOT_FOUND: 2}
    assert job.problems == []
    for person in mine:
        person.refresh_from_db()
        assert person.owner_id == manager.pk and person.version == 2
        entry = AuditEntry.objects.filter(object_id=person.pk, action="update").get()
        assert entry.actor_id == manager.pk and "owner" in entry.changes
    hidden.refresh_from_db()
    assert hidden.owner_id != manager.pk and hidden.version == 1


def test_a_rep_cannot_touch_a_teammates_rows_and_learns_nothing(rep, people):
    theirs = people["teammate"][0]
    job = bulk(rep, "person", "add_tag", ids=[people["rep"][0].pk, theirs.pk], value="VIP")
    assert (job.changed, job.skipped, job.reasons) == (1, 1, {running.NOT_FOUND: 1})
    assert list(theirs.tags.all()) == []
    # "all matching" only ever reaches the rep's own rows
    job = bulk(rep, "person", "add_tag", filters={}, value="VIP")
    assert (job.total, job.changed, job.unchanged, job.skipped) == (2, 1, 1, 0)
    assert Person.objects.filter(tags__name="VIP").count() == 2
    assert not theirs.tags.exists()


def test_read_only_rows_are_skipped_and_counted(readonly_user, rep, people):
    rows = people["rep"]
    job = bulk(readonly_user, "person", "set_field", ids=[p.pk for p in rows], field="city",
               value="上海")  # fmt: skip
    assert (job.changed, job.skipped, job.reasons) == (0, 2, {running.NOT_ALLOWED: 2})
    assert not Person.objects.filter(city="上海").exists()
    # nobody to hand rows to: refused before anything runs
    with pytest.raises(jobs.ValidationError) as error:
        jobs.start(readonly_user, "person", "assign_owner", ids=[rows[0].pk], value=rep.pk)
    assert "value" in error.value.message_dict


def test_admin_deletes_all_matching_and_undoes_it(admin_user, rep, outsider):
    tagged = [make_person(rep, "甲", tags=["清理"]), make_person(outsider, "乙", tags=["清理"])]
    kept = make_person(rep, "丙")
    tag = Tag.objects.get(name="清理")
    job = bulk(admin_user, "person", "delete", filters={"tag": str(tag.pk), "cursor": "x"})
    assert (job.total, job.changed) == (2, 2)
    assert set(job.changed_ids) == {p.pk for p in tagged}
    assert Person.objects.filter(pk__in=job.changed_ids).count() == 0
    assert Person.all_objects.in_recycle_bin().count() == 2 and Person.objects.filter(pk=kept.pk)
    undo = jobs.launch(jobs.start_undo(admin_user, job))
    assert (undo.action, undo.changed, undo.undoes_id) == ("restore", 2, job.pk)
    assert Person.objects.filter(pk__in=job.changed_ids).count() == 2
    with pytest.raises(jobs.ValidationError):
        jobs.start_undo(admin_user, undo)  # only a delete is undone


def test_tags_come_and_go_and_unchanged_rows_are_counted(rep):
    a = make_company(rep, "甲公司", tags=["重点"])
    b = make_company(rep, "乙公司")
    job = bulk(rep, "company", "add_tag", ids=[a.pk, b.pk], value="重点")
    assert (job.changed, job.unchanged) == (1, 1)
    assert b.tags.filter(name="重点").exists()
    b.refresh_from_db()
    assert b.version == 2
    job = bulk(rep, "company", "remove_tag", ids=[a.pk, b.pk], value="重点")
    assert job.changed == 2 and not Company.objects.filter(tags__name="重点").exists()


def test_set_field_on_leads_deals_and_companies(admin_user, rep):
    lead = leads.create_lead(rep, {"name": "王芳"})
    job = bulk(admin_user, "lead", "set_field", ids=[lead.pk], field="status", value="qualified")
    lead.refresh_from_db()
    assert job.changed == 1 and lead.status == "qualified"
    # disqualifying needs a reason the bulk action cannot give: failed, with the service's words
    job = bulk(admin_user, "lead", "set_field", ids=[lead.pk], field="status",
               value="disqualified")  # fmt: skip
    assert job.failed == 1 and "disqualified" in job.problems[0]["reason"].lower()
    assert job.problems[0]["id"] == lead.pk
    lead.refresh_from_db()
    assert lead.status == "qualified"
    # a deal moved to another pipeline's stage moves there
    deal = make_deal(rep)
    other = Pipeline.objects.create(name="续约", position=5)
    target = Stage.objects.create(pipeline=other, name="谈判", position=1)
    job = bulk(rep, "deal", "set_field", ids=[deal.pk], field="stage", value=str(target.pk))
    deal.refresh_from_db()
    assert job.changed == 1 and (deal.pipeline_id, deal.stage_id) == (other.pk, target.pk)
    company = make_company(rep)
    bulk(rep, "company", "set_field", ids=[company.pk], field="industry", value=" 通信 ")
    company.refresh_from_db()
    assert company.industry == "通信"


@pytest.mark.parametrize(
    ("kind", "action", "request_", "field"),
    [
        ("person", "explode", {"ids": [1]}, "action"),
        ("people", "delete", {"ids": [1]}, "type"),
        ("person", "set_field", {"ids": [1], "field": "owner_id", "value": "1"}, "field"),
        ("person", "set_field", {"ids": [1], "field": "name", "value": "x"}, "field"),
        ("lead", "set_field", {"ids": [1], "field": "status", "value": "converted"}, "value"),
        ("person", "assign_owner", {"ids": [1], "value": "x"}, "value"),
        ("person", "remove_tag", {"ids": [1], "value": "nope"}, "value"),
        ("person", "add_tag", {"ids": [1], "value": "a\nb"}, "value"),
        ("person", "add_tag", {"ids": [1], "value": "x" * 51}, "value"),
        ("deal", "add_tag", {"ids": [1], "value": "VIP"}, "action"),
        ("person", "delete", {"ids": ["one"]}, "ids"),
        ("person", "delete", {"ids": []}, "ids"),
        ("person", "delete", {}, "ids"),
        ("person", "delete", {"filters": {"created_after": "yesterday"}}, "filters"),
        ("deal", "delete", {"filters": {"stage": "x"}}, "filters"),
        ("person", "delete", {"filters": {"q": "a\x00b"}}, "filters"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(rep, kind, action, request_, field):
    person = make_person(rep)
    request_ = {k: ([person.pk] if v == [1] else v) for k, v in request_.items()}
    with pytest.raises(jobs.ValidationError) as error:
        jobs.start(rep, kind, action, **request_)
    assert field in error.value.message_dict
    assert not BulkJob.objects.exists()
    person.refresh_from_db()
    assert person.version == 1 and person.deleted_at is None


def test_a_large_job_runs_in_the_worker_in_batches(
    rep, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.BULK_IN_REQUEST_MAX = 3
    monkeypatch.setattr(running, "BATCH_SIZE", 2)
    rows = [make_person(rep, f"批量{i}") for i in range(7)]
    client = client_for(rep)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        answer = client.post("/api/v1/bulk", {"type": "person", "action": "set_field",
                                             "field": "city", "value": "杭州", "filters": {}},
                             content_type="application/json")  # fmt: skip
    assert answer.status_code == 202, answer.content
    assert len(queued) == 1  # the task was queued after the commit (the immediate backend ran it)
    job = BulkJob.objects.get()
    assert job.in_worker and job.status == "done" and (job.total, job.changed) == (7, 7)
    assert job.last_id == rows[-1].pk and job.lease_token == "" and job.lease_until is None
    assert Person.objects.filter(city="杭州").count() == 7
    progress = client.get(f"/api/v1/bulk/{job.pk}").json()
    assert (progress["status"], progress["changed"], progress["processed"]) == ("done", 7, 7)
    page = client.get(reverse("bulk-job-status", args=[job.pk]))
    assert b"hx-trigger" not in page.content  # finished: the page stops polling
    # while it runs, the page polls
    BulkJob.objects.filter(pk=job.pk).update(status="running")
    assert b'hx-trigger="every 1s"' in client.get(reverse("bulk-job", args=[job.pk])).content


def test_reads_per_batch_are_fixed(rep):
    """Each extra row costs its service's writes only: no read grows with the batch."""
    rows = [make_person(rep, f"行{i}", tags=["旧"]) for i in range(12)]

    def cost(count: int, name: str) -> int:
        job = jobs.start(rep, "person", "add_tag", ids=[p.pk for p in rows[:count]], value=name)
        with CaptureQueriesContext(connection) as queries:
            running.run(job)
        return len(queries)

    two, six, twelve = cost(2, "甲"), cost(6, "乙"), cost(12, "丙")
    per_row = (six - two) / 4
    assert per_row == (twelve - six) / 6
    assert per_row <= 14, per_row
    print("queries per row", per_row, "batch of 2:", two)


def test_api_answers_counts_and_hides_other_users_jobs(rep, outsider, people):
    client = client_for(rep)
    answer = client.post("/api/v1/bulk", {"type": "person", "action": "add_tag", "value": "A",
                                          "ids": [people["rep"][0].pk, people["outsider"][0].pk]},
                         content_type="application/json")  # fmt: skip
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["changed"], body["skipped"], body["reasons"]) == (1, 1, {"not_found": 1})
    assert client_for(outsider).get(f"/api/v1/bulk/{body['id']}").status_code == 404
    assert client_for(outsider).get(reverse("bulk-job", args=[body["id"]])).status_code == 404
    bad = client.post("/api/v1/bulk", {"type": "person", "action": "set_field", "field": "email",
                                       "value": "x", "ids": [people["rep"][0].pk]},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "field" in bad.json()["errors"]


def test_the_list_offers_the_bar_and_the_confirmation_starts_the_job(rep, people):
    client = client_for(rep)
    page = client.get(reverse("person-list")).content.decode()
    assert 'id="bulk-form"' in page and page.count('form="bulk-form"') == 2
    ids = [str(p.pk) for p in people["rep"]]
    form = {"scope": "selected", "ids": ids, "action": "add_tag", "tag": "跟进", "filters": ""}
    confirm = client.post(reverse("bulk-confirm", args=["person"]), form, HTTP_HX_REQUEST="true")
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "bulk-start-form" in text and "跟进" in text
    assert not BulkJob.objects.exists()  # reviewing changes nothing
    done = client.post(reverse("bulk-start", args=["person"]), form)
    job = BulkJob.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("bulk-job", args=[job.pk])
    assert job.changed == 2
    result = client.get(done["Location"]).content.decode()
    assert "data-changed>2<" in result
    # a bad request is shown in place, and nothing is made
    bad = client.post(reverse("bulk-confirm", args=["person"]), {**form, "tag": ""},
                      HTTP_HX_REQUEST="true")  # fmt: skip
    assert 'role="alert"' in bad.content.decode() and BulkJob.objects.count() == 1


def test_leads_and_deals_lists_have_checkboxes(admin_user, rep):
    leads.create_lead(rep, {"name": "李娜"})
    make_deal(rep)
    client = client_for(admin_user)
    for name in ("lead-list", "deal-list"):
        page = client.get(reverse(name)).content.decode()
        assert 'id="bulk-form"' in page and 'form="bulk-form"' in page, name
    assert Lead.objects.count() == 1 and Deal.objects.count() == 1


def test_tasks_take_a_priority_and_a_bulk_delete_of_activities_is_undone(rep, outsider):
    from kehu.activities.models import Activity
    from kehu.activities.services import log_activity

    person = make_person(rep)
    task = log_activity(rep, person, "task", {"subject": "回访", "priority": "normal"})
    note = log_activity(rep, person, "note", {"body": "备注"})
    hidden = log_activity(outsider, make_person(outsider, "别人"), "task", {"subject": "别人的"})
    job = bulk(rep, "activity", "set_field", filters={"kind": "task"}, field="priority",
               value="high")  # fmt: skip
    assert (job.total, job.changed) == (1, 1)
    task.refresh_from_db()
    assert task.priority == "high" and task.version == 2
    # a note has no priority: it fails with the service's own words, the others go on
    job = bulk(rep, "activity", "set_field", ids=[task.pk, note.pk], field="priority", value="low")
    assert (job.changed, job.failed) == (1, 1) and job.problems[0]["id"] == note.pk
    job = bulk(rep, "activity", "delete", ids=[task.pk, note.pk, hidden.pk])
    assert (job.changed, job.skipped) == (2, 1)
    assert not Activity.objects.filter(pk__in=[task.pk, note.pk]).exists()
    assert Activity.objects.filter(pk=hidden.pk).exists()
    undo = jobs.launch(jobs.start_undo(rep, job))
    assert undo.changed == 2 and Activity.objects.filter(pk__in=[task.pk, note.pk]).count() == 2


def test_a_bug_in_one_row_fails_that_row_and_the_others_go_on(rep, monkeypatch):
    import dataclasses

    from kehu.core.bulk import registry

    rows = [make_person(rep, name) for name in ("好的", "坏的", "也好")]
    kind = registry.get("person")

    def update(actor, person, changes):
        if person.name == "坏的":
            raise RuntimeError("boom")
        return services.update_person(actor, person, changes)

    monkeypatch.setitem(registry._kinds, "person", dataclasses.replace(kind, update=update))
    job = bulk(rep, "person", "set_field", ids=[p.pk for p in rows], field="city", value="广州")
    assert (job.status, job.changed, job.failed) == ("done", 2, 1)
    assert job.problems[0]["id"] == rows[1].pk and "unexpected" in job.problems[0]["reason"]
    changed = Person.objects.filter(city="广州").values_list("name", flat=True)
    assert sorted(changed) == ["也好", "好的"]


def test_all_matching_rows_are_the_rows_the_open_saved_view_shows(rep, outsider):
    """A list opened on a saved view counts only the view's rows: "all matching" acts on
    those, not on everything the other filters match; another team's view is refused."""
    from kehu.core.saved_views import services as views

    in_view = make_person(rep, "成都客户", city="成都")
    other = make_person(rep, "上海客户", city="上海")
    view = views.create_view(
        rep,
        {
            "list": "person",
            "name": "成都",
            "condition": {"field": "city", "op": "eq", "value": "成都"},
        },
    )
    job = bulk(rep, "person", "add_tag", filters={"view": str(view.pk)}, value="VIP")
    assert (job.total, job.changed) == (1, 1)
    assert list(Person.objects.filter(tags__name="VIP")) == [in_view]
    assert not other.tags.exists()
    theirs = views.create_view(outsider, {"list": "person", "name": "外", "condition": {}})
    with pytest.raises(jobs.ValidationError):
        jobs.start(rep, "person", "add_tag", filters={"view": str(theirs.pk)}, value="X")


@pytest.mark.parametrize("kind", ["person", "lead", "deal"])
def test_all_matching_a_search_reaches_past_the_lists_cap_on_matches(
    admin_user, rep, kind, monkeypatch
):
    """A list filtered by a search shows only its first matches (search.LIST_MATCH_CAP), but
    "all matching rows" means all of them: none is left out, however many match."""
    from kehu.core import search

    monkeypatch.setattr(search, "LIST_MATCH_CAP", 2)
    make = {"person": make_person, "deal": make_deal,
            "lead": lambda owner, name: leads.create_lead(owner, {"name": name})}[kind]  # fmt: skip
    matching = [make(rep, f"清理对象{i}") for i in range(5)]
    other = make(rep, "保留")
    job = bulk(admin_user, kind, "assign_owner", filters={"q": "清理对象"}, value=admin_user.pk)
    assert (job.total, job.changed) == (5, 5)
    model = type(other)
    assert set(model.objects.filter(owner=admin_user).values_list("pk", flat=True)) == {
        r.pk for r in matching
    }


def test_a_searched_list_at_its_cap_does_not_promise_a_number_it_cannot_count(
    admin_user, rep, monkeypatch
):
    from kehu.core import search

    monkeypatch.setattr(search, "LIST_MATCH_CAP", 2)
    for i in range(3):
        leads.create_lead(rep, {"name": f"清理对象{i}"})
    page = client_for(admin_user).get("/leads/", {"q": "清理对象"}).content.decode()
    assert "All matching rows" in page and "All 2 matching rows" not in page


def test_a_delete_still_running_cannot_be_undone_half_way(rep):
    gone = make_person(rep, "甲")
    job = bulk(rep, "person", "delete", ids=[gone.pk])
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    job.refresh_from_db()
    with pytest.raises(jobs.ValidationError):
        jobs.start_undo(rep, job)  # the worker would go on deleting after the restore
    response = client_for(rep).post(reverse("bulk-job-undo", args=[job.pk]))
    assert response.status_code == 422
    assert BulkJob.objects.count() == 1 and not Person.objects.filter(pk=gone.pk).exists()
