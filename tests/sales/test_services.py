"""Deal rules: stages belong to the pipeline, closing and reopening, lost reasons, money,
stage history with time in stage, versions, permissions; bad input saves nothing."""

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from kehu.core import audit
from kehu.core.models import AuditEntry
from kehu.core.records import VersionConflict
from kehu.sales.deals import services
from kehu.sales.models import Deal, ExchangeRate, Pipeline, Stage, StageChange
from tests.factories import default_pipeline, make_company, make_deal, stage

pytestmark = pytest.mark.django_db


def other_pipeline(admin):
    return services.save_pipeline(
        admin,
        None,
        {"name": "Renewals", "name_zh": "续约"},
        [
            {"name": "Due", "probability": 60, "kind": "open"},
            {"name": "Renewed", "probability": 100, "kind": "won"},
            {"name": "Churned", "probability": 0, "kind": "lost"},
        ],
    )


def test_a_new_deal_starts_in_the_first_open_stage_with_history(rep):
    company = make_company(rep, "华为技术有限公司")
    deal = make_deal(rep, amount="128000.50", company=company.pk)
    assert deal.pipeline == default_pipeline() and deal.stage == stage("Qualification")
    assert deal.amount == decimal.Decimal("128000.50") and deal.currency == "CNY"
    assert deal.owner == rep and deal.version == 1 and deal.closed_at is None
    change = StageChange.objects.get(deal=deal)
    assert change.from_stage is None and change.to_stage == deal.stage
    entry = audit.history(deal).get(action="create")
    assert entry.changes["stage"] == [None, "Qualification"]
    assert "hua wei" in deal.search_text or "huawei" in deal.search_text


def test_moving_records_time_in_stage_and_closing_sets_closed_at(rep):
    deal = make_deal(rep)
    Deal.objects.filter(pk=deal.pk).update(
        stage_changed_at=timezone.now() - datetime.timedelta(days=3, hours=2)
    )
    deal.refresh_from_db()
    deal = services.move_deal(rep, deal, stage("Proposal").pk, expected_version=1)
    assert deal.stage.name == "Proposal" and deal.version == 2
    change = StageChange.objects.filter(deal=deal).first()
    assert change.from_stage.name == "Qualification" and change.to_stage.name == "Proposal"
    assert 3 * 86400 + 7000 < change.seconds_in_stage < 3 * 86400 + 7400
    deal = services.move_deal(rep, deal, stage("Won").pk, reason="价格合适")
    assert deal.is_closed and deal.closed_at is not None and deal.close_reason == "价格合适"
    assert StageChange.objects.filter(deal=deal).count() == 3


def test_a_lost_deal_needs_a_reason_and_nothing_is_saved_without_one(rep):
    deal = make_deal(rep)
    with pytest.raises(ValidationError) as error:
        services.move_deal(rep, deal, stage("Lost").pk)
    assert "lost_reason" in error.value.message_dict
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification" and deal.version == 1
    assert StageChange.objects.filter(deal=deal).count() == 1
    # words alone (old clients) are kept under "Other"
    deal = services.move_deal(rep, deal, stage("Lost").pk, reason="预算取消")
    assert deal.stage.kind == "lost" and deal.close_reason == "预算取消"
    assert deal.lost_reason.key == "other"


def test_a_stage_of_another_pipeline_is_refused(rep, admin_user):
    renewals = other_pipeline(admin_user)
    deal = make_deal(rep)
    with pytest.raises(ValidationError) as error:
        services.move_deal(rep, deal, renewals.stages.first().pk)
    assert "stage" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_deal(rep, stage=renewals.stages.first().pk)  # default pipeline, foreign stage
    assert Deal.objects.count() == 1
    # moving to the other pipeline without a stage takes its first open stage
    deal = services.update_deal(rep, deal, {"pipeline": renewals.pk})
    assert deal.pipeline == renewals and deal.stage.name == "Due"


def test_a_closed_deal_is_not_moved_back_until_reopened(rep):
    deal = make_deal(rep)
    deal = services.move_deal(rep, deal, stage("Won").pk)
    with pytest.raises(ValidationError) as error:
        services.move_deal(rep, deal, stage("Proposal").pk)
    assert "closed" in error.value.message_dict["stage"][0]
    deal.refresh_from_db()
    assert deal.stage.name == "Won"
    with pytest.raises(ValidationError):
        services.reopen_deal(rep, deal, stage("Lost").pk)  # reopening means an open stage
    deal = services.reopen_deal(rep, deal, stage("Negotiation").pk)
    assert deal.stage.name == "Negotiation" and deal.closed_at is None and deal.close_reason == ""


def test_other_edits_of_a_deal_keep_its_stage(rep):
    deal = make_deal(rep)
    deal = services.move_deal(rep, deal, stage("Proposal").pk)
    deal = services.update_deal(rep, deal, {"name": "新名字", "pipeline": deal.pipeline_id})
    assert deal.stage.name == "Proposal" and deal.name == "新名字"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"name": "  "}, "name"),
        ({"pipeline": 999999}, "pipeline"),
        ({"stage": 999999}, "stage"),
        ({"stage": "x"}, "stage"),
        ({"company": 999999}, "company"),
    ],
)
def test_bad_input_gets_a_field_error_and_saves_nothing(rep, changes, field):
    with pytest.raises(ValidationError) as error:
        make_deal(rep, **changes)
    assert field in error.value.message_dict
    assert not Deal.all_objects.exists() and not StageChange.objects.exists()
    assert not AuditEntry.objects.filter(action="create").exclude(content_type__model="person")


def test_currencies_need_an_exchange_rate(rep, admin_user):
    with pytest.raises(ValidationError):
        make_deal(rep, currency="USD")
    services.set_exchange_rate(admin_user, "usd", "7.1")
    deal = make_deal(rep, currency="usd", amount=100)
    assert deal.currency == "USD"
    assert ExchangeRate.objects.get().rate == decimal.Decimal("7.1")
    with pytest.raises(PermissionDenied):
        services.set_exchange_rate(rep, "EUR", "7.8")
    for bad in ("0", "-2", "abc"):
        with pytest.raises(ValidationError):
            services.set_exchange_rate(admin_user, "EUR", bad)
    with pytest.raises(ValidationError):
        services.set_exchange_rate(admin_user, "CNY", "1")


def test_versions_protect_against_lost_updates(rep):
    deal = make_deal(rep)
    services.update_deal(rep, deal, {"amount": 10}, expected_version=1)
    with pytest.raises(VersionConflict):
        services.move_deal(rep, deal, stage("Proposal").pk, expected_version=1)
    deal.refresh_from_db()
    assert deal.stage.name == "Qualification"


def test_reps_cannot_touch_each_others_deals(rep, teammate, readonly_user):
    deal = make_deal(rep)
    with pytest.raises(Http404):
        services.move_deal(teammate, deal, stage("Proposal").pk)
    with pytest.raises(PermissionDenied):
        services.update_deal(readonly_user, deal, {"name": "x"})
    with pytest.raises(ValidationError):
        services.create_deal(rep, {"name": "x", "owner": teammate.pk})  # reps own only theirs
    with pytest.raises(PermissionDenied):
        make_deal(readonly_user)


def test_delete_and_restore_keep_the_deal_and_its_history(rep):
    deal = make_deal(rep)
    services.delete_deal(rep, deal)
    assert not Deal.objects.exists() and Deal.all_objects.count() == 1
    deal = services.restore_deal(rep, Deal.all_objects.get())
    assert Deal.objects.get() == deal and StageChange.objects.filter(deal=deal).count() == 1


def test_pipelines_need_open_won_and_lost_stages_and_keep_stages_in_use(admin_user, rep):
    with pytest.raises(ValidationError) as error:
        services.save_pipeline(admin_user, None, {"name": "X"}, [{"name": "A", "kind": "open"}])
    assert "stages" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.save_pipeline(
            admin_user, None, {"name": "X"},
            [{"name": "A", "probability": 120}, {"name": "W", "kind": "won"},
             {"name": "L", "kind": "lost"}],
        )  # fmt: skip
    assert Pipeline.objects.count() == 1
    with pytest.raises(PermissionDenied):
        other_pipeline(rep)
    pipeline = default_pipeline()
    make_deal(rep)  # in Qualification
    rows = [
        {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
        for s in pipeline.stages.exclude(name="Qualification")
    ]
    with pytest.raises(ValidationError) as error:
        services.save_pipeline(admin_user, pipeline, {"name": pipeline.name}, rows)
    assert "Qualification" in error.value.message_dict["stages"][0]
    assert pipeline.stages.count() == 5
    rows = [
        {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind}
        for s in pipeline.stages.exclude(name="Negotiation")
    ]
    services.save_pipeline(admin_user, pipeline, {"name": pipeline.name}, rows)
    assert list(pipeline.stages.values_list("name", flat=True)) == [
        "Qualification", "Proposal", "Won", "Lost",
    ]  # fmt: skip
    assert Stage.objects.filter(name="Negotiation").count() == 0


def test_stages_with_deals_keep_their_type_and_stages_with_history_stay(admin_user, rep):
    pipeline = default_pipeline()
    deal = make_deal(rep)
    services.move_deal(rep, deal, stage("Proposal").pk)  # Qualification now has history only

    def rows(**kinds):
        return [
            {"id": s.pk, "name": s.name, "probability": s.probability,
             "kind": kinds.get(s.name, s.kind)}
            for s in pipeline.stages.all()
        ]  # fmt: skip

    with pytest.raises(ValidationError) as error:
        services.save_pipeline(admin_user, pipeline, {"name": pipeline.name}, rows(Proposal="lost"))
    assert "Proposal" in error.value.message_dict["stages"][0]
    assert stage("Proposal").kind == "open"
    kept = [r for r in rows() if r["name"] != "Qualification"]
    with pytest.raises(ValidationError) as error:
        services.save_pipeline(admin_user, pipeline, {"name": pipeline.name}, kept)
    assert "Qualification" in error.value.message_dict["stages"][0]
    assert pipeline.stages.count() == 5
    # a stage without deals may change its type
    services.save_pipeline(admin_user, pipeline, {"name": pipeline.name}, rows(Negotiation="won"))
    assert stage("Negotiation").kind == "won"


def test_a_move_names_its_stage_and_reopening_goes_to_an_open_one(rep):
    deal = make_deal(rep)
    with pytest.raises(ValidationError):
        services.move_deal(rep, deal, None)
    deal = services.move_deal(rep, deal, stage("Won").pk)
    with pytest.raises(ValidationError):
        services.update_deal(rep, deal, {"stage": stage("Lost").pk, "reopen": True})
    deal.refresh_from_db()
    assert deal.stage.name == "Won"


def test_a_binned_company_is_not_shown_on_its_deals_and_a_rename_reaches_them(rep):
    from kehu.customers import services as customer_services

    company = make_company(rep, "阿里巴巴")
    deal = make_deal(rep, "云采购", company=company.pk)
    customer_services.update_company(rep, company, {"name": "腾讯"})
    assert "teng xun" in Deal.objects.get(pk=deal.pk).search_text
    customer_services.delete_company(rep, company)
    assert Deal.objects.get(pk=deal.pk).live_company is None
    customer_services.restore_company(rep, type(company).all_objects.get(pk=company.pk))
    assert Deal.objects.get(pk=deal.pk).live_company.name == "腾讯"
