"""Saved reports through the pages and the API: building, saving, sharing (each viewer sees
only their own records), export with the formula guard, runs in the worker, bad input."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kehu.analytics.reports import services
from kehu.analytics.reports.models import Report, ReportRun
from kehu.core.models import AuditEntry
from tests.factories import PASSWORD, make_deal, make_person

DEFINITION = {"record_type": "deal", "group_by": ["owner"], "chart": "bar"}


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def deals(rep, teammate, outsider):
    make_deal(rep, '=HYPERLINK("http://x")', amount="100")
    make_deal(rep, "二", amount="200")
    make_deal(teammate, "三", amount="300")
    make_deal(outsider, "四", amount="400")


def test_build_preview_and_save_a_report(rep, deals):
    client = client_for(rep)
    preview = client.get(reverse("report-new"), {"record_type": "deal", "g1": "owner",
                                                 "measure": "sum:amount", "chart": "bar"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert preview.status_code == 200
    body = preview.content.decode()
    assert 'id="report-builder"' in body and "300.00 CNY" in body  # 100 + 200, the rep's only
    saved = client.post(
        reverse("report-new"),
        {
            "record_type": "deal",
            "g1": "owner",
            "measure": "count",
            "chart": "bar",
            "name": "我的商机",
            "sharing": "private",
        },
    )
    assert saved.status_code == 302
    report = Report.objects.get(name="我的商机")
    assert report.owner == rep and report.definition["group_by"] == ["owner"]
    assert AuditEntry.objects.filter(object_id=report.pk, action="create").exists()
    page = client.get(reverse("report-detail", args=[report.pk]))
    assert page.status_code == 200 and "data-report-result" in page.content.decode()
    listed = client.get(reverse("report-list")).content.decode()
    assert "我的商机" in listed
    # the cell opens the deal list filtered by the owner
    assert f"/deals/?owner={rep.pk}" in page.content.decode()


def test_builder_shows_errors_by_their_control(rep):
    client = client_for(rep)
    answer = client.post(reverse("report-new"), {"record_type": "deal", "g1": "",
                                                 "chart": "pivot", "name": "x",
                                                 "f0_field": "amount", "f0_op": "gt",
                                                 "f0_value": "lots"})  # fmt: skip
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Expected a number." in body and "A pivot table needs two dimensions." in body
    assert not Report.objects.exists()


def test_a_shared_report_counts_each_viewers_own_records(rep, teammate, manager, outsider, deals):
    report = services.create_report(
        manager, {"name": "全员", "definition": {**DEFINITION, "measure":
                  {"how": "sum", "field": "amount"}}, "sharing": "everyone"})  # fmt: skip
    seen = {}
    for user in (rep, teammate, outsider, manager):
        run = client_for(user).get(f"/api/v1/reports/{report.pk}/run")
        assert run.status_code == 200
        seen[user.username] = {tuple(r["keys"]): r["value"] for r in run.json()["rows"]}
    assert seen[rep.username] == {(rep.pk,): "300.00"}
    assert seen[teammate.username] == {(teammate.pk,): "300.00"}
    assert seen[outsider.username] == {(outsider.pk,): "400.00"}
    assert seen[manager.username] == {(rep.pk,): "300.00", (teammate.pk,): "300.00"}


def test_private_and_team_reports_are_not_found_by_others(rep, teammate, outsider, manager):
    private = services.create_report(rep, {"name": "私", "definition": DEFINITION})
    team = services.create_report(manager, {"name": "队", "definition": DEFINITION,
                                            "sharing": "team"})  # fmt: skip
    assert client_for(teammate).get(f"/api/v1/reports/{private.pk}").status_code == 404
    assert client_for(teammate).get(f"/api/v1/reports/{team.pk}").status_code == 200
    assert client_for(outsider).get(f"/api/v1/reports/{team.pk}/run").status_code == 404
    assert client_for(outsider).get(reverse("report-detail", args=[team.pk])).status_code == 404
    # seen but not theirs: no change
    changed = client_for(teammate).patch(f"/api/v1/reports/{team.pk}", {"name": "改"},
                                         content_type="application/json")  # fmt: skip
    assert changed.status_code == 403


def test_a_rep_may_not_share(rep):
    answer = client_for(rep).post("/api/v1/reports", {"name": "x", "definition": DEFINITION,
                                                      "sharing": "everyone"},
                                  content_type="application/json")  # fmt: skip
    assert answer.status_code == 403 and not Report.objects.exists()


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"record_type": "deal", "group_by": ["password"]}, "definition.group_by.0"),
        ({"record_type": "deal", "measure": {"how": "sum", "field": "id; drop"}},
         "definition.measure.field"),
        ({"record_type": "deal", "condition": {"field": "owner__password", "op": "eq",
                                               "value": "x"}}, "definition.condition.field"),
        ({"record_type": "deal", "group_by": [{"$gt": 1}]}, "definition.group_by.0"),
        ({"record_type": "deal", "condition": {"field": "stage", "op": "in",
                                               "value": list(range(500))}},
         "definition.condition.value"),
        ({"record_type": "users"}, "definition.record_type"),
    ],
)  # fmt: skip
def test_api_answers_422_naming_the_field(rep, definition, field):
    answer = client_for(rep).post("/api/v1/reports", {"name": "坏", "definition": definition},
                                  content_type="application/json")  # fmt: skip
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["errors"], answer.json()


def test_api_patch_needs_the_current_version(rep):
    report = services.create_report(rep, {"name": "版", "definition": DEFINITION})
    client = client_for(rep)
    read = client.get(f"/api/v1/reports/{report.pk}")
    etag = read["ETag"]
    ok = client.patch(f"/api/v1/reports/{report.pk}", {"name": "新"},
                      content_type="application/json", headers={"If-Match": etag})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"/api/v1/reports/{report.pk}", {"name": "旧"},
                         content_type="application/json", headers={"If-Match": etag})  # fmt: skip
    assert stale.status_code == 412
    assert client.delete(f"/api/v1/reports/{report.pk}").status_code == 204
    assert not Report.objects.exists()


def test_export_guards_formulas(manager, rep, deals):
    rep_report = services.create_report(
        manager, {"name": "导出", "definition": {"record_type": "deal", "group_by": ["owner"],
                                                 "chart": "table"}})  # fmt: skip
    # a user whose name a spreadsheet would run
    rep.first_name, rep.last_name = "=cmd|' /C calc'!A0", ""
    rep.save()
    client = client_for(manager)
    text = client.get(reverse("report-export", args=[rep_report.pk]), {"format": "csv"})
    assert text.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(text.streaming_content).decode("utf-8-sig"))))
    assert all(not cell.startswith("=") for row in rows for cell in row), rows
    sheet = client.get(reverse("report-export", args=[rep_report.pk]), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    cells = [c for row in book.active.iter_rows() for c in row if c.value]
    assert all(c.data_type == "s" for c in cells if str(c.value).startswith("="))
    # a rep may not export
    assert client_for(rep).get(reverse("report-export", args=[rep_report.pk])).status_code in (
        403, 404)  # fmt: skip


def test_a_large_report_runs_in_the_worker(rep, teammate, settings):
    settings.REPORT_BACKGROUND_ROWS = 1
    make_person(rep, "甲")
    make_person(rep, "乙")
    client = client_for(rep)
    page = client.get(reverse("report-new"), {"record_type": "person", "g1": "owner",
                                              "chart": "table"})  # fmt: skip
    run = ReportRun.objects.get(viewer=rep)
    assert run.status == ReportRun.Status.DONE and run.progress == 100  # the tests' worker
    assert "data-report-result" in page.content.decode()
    # asked again (a reload): the same run, not another
    client.get(reverse("report-new"), {"record_type": "person", "g1": "owner", "chart": "table"})
    assert ReportRun.objects.filter(viewer=rep).count() == 1
    polled = client.get(reverse("report-run", args=[run.pk]))
    assert polled.status_code == 200 and ">2<" in polled.content.decode()
    # another user's run is no run at all
    assert client_for(teammate).get(reverse("report-run", args=[run.pk])).status_code == 404
    # while it waits, the page polls its progress
    waiting = ReportRun.objects.create(viewer=rep, definition=run.definition, progress=40)
    shown = client.get(reverse("report-run", args=[waiting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in shown and 'aria-valuenow="40"' in shown


def test_a_large_report_is_exported_from_its_run_in_the_worker(manager, rep, settings):
    settings.REPORT_BACKGROUND_ROWS = 1
    make_person(rep, "=1+2")
    make_person(manager, "乙")
    report = services.create_report(
        manager, {"name": "大", "definition": {"record_type": "person", "group_by": ["owner"]}}
    )
    client = client_for(manager)
    answer = client.get(reverse("report-export", args=[report.pk]), {"format": "csv"})
    # the tests' worker runs at once: the file comes from the run it kept
    assert answer.status_code == 200
    assert ReportRun.objects.filter(viewer=manager, status="done").count() == 1
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert "Total" in text and ",2" in text
    # while the run waits for the worker, the export says so instead of running it here
    ReportRun.objects.update(status="running", result=None)
    waiting = client.get(reverse("report-export", args=[report.pk]), {"format": "csv"})
    assert waiting.status_code == 302 and waiting.url == reverse("report-detail", args=[report.pk])
