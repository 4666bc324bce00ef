"""Merging people and companies, and undoing it: every related row moves to the survivor and
back, counted table by table (nothing lost, nothing doubled)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404

from kehu.activities.models import Activity
from kehu.activities.services import add_note, log_activity
from kehu.core.models import AuditEntry
from kehu.core.records import VersionConflict
from kehu.core.sort_keys import name_sort_key
from kehu.customers import services
from kehu.customers.duplicates import services as merging
from kehu.customers.duplicates.models import DuplicatePair, Merge
from kehu.customers.models import Company, CompanyTag, Person, PersonTag
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as sales_services
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, DealContact, Lead, Order, Quote
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person

pytestmark = pytest.mark.django_db

TABLES = {
    "person": Person.all_objects,
    "company": Company.all_objects,
    "activity": Activity.all_objects,
    "attendee": Activity.attendee_people.through.objects,
    "deal": Deal.all_objects,
    "deal_contact": DealContact.objects,
    "quote": Quote.all_objects,
    "order": Order.all_objects,
    "lead": Lead.all_objects,
    "person_tag": PersonTag.objects,
    "company_tag": CompanyTag.objects,
}


def table_counts() -> dict[str, int]:
    return {name: manager.count() for name, manager in TABLES.items()}


def person_links(pk: int) -> dict[str, int]:
    """Every row naming person `pk`, table by table."""
    return {
        "activities": Activity.all_objects.filter(
            content_type__model="person", object_id=pk
        ).count(),
        "attending": Activity.attendee_people.through.objects.filter(person_id=pk).count(),
        "deal_contacts": DealContact.objects.filter(person_id=pk).count(),
        "quotes": Quote.all_objects.filter(person_id=pk).count(),
        "orders": Order.all_objects.filter(person_id=pk).count(),
        "leads": Lead.all_objects.filter(person_id=pk).count(),
        "tags": PersonTag.objects.filter(person_id=pk).count(),
        "history": AuditEntry.objects.filter(content_type__model="person", object_id=pk).count(),
    }


def company_links(pk: int) -> dict[str, int]:
    return {
        "activities": Activity.all_objects.filter(
            content_type__model="company", object_id=pk
        ).count(),
        "filed": Activity.all_objects.filter(company_id=pk).count(),
        "people": Person.all_objects.filter(company_id=pk).count(),
        "deals": Deal.all_objects.filter(company_id=pk).count(),
        "quotes": Quote.all_objects.filter(company_id=pk).count(),
        "orders": Order.all_objects.filter(company_id=pk).count(),
        "leads": Lead.all_objects.filter(company_id=pk).count(),
        "tags": CompanyTag.objects.filter(company_id=pk).count(),
        "history": AuditEntry.objects.filter(content_type__model="company", object_id=pk).count(),
    }


@pytest.fixture
def world(rep, admin_user):
    company = make_company(rep, "星辰科技有限公司")
    keep = make_person(rep, "张伟", email="", phone="13800138000", company=company.pk, tags=["vip"])
    other = make_person(
        rep, "張偉", email="zhang.wei@example.com", title="经理", company=company.pk,
        tags=["vip", "北京"],
    )  # fmt: skip
    add_note(rep, other, "见过面")
    log_activity(rep, other, "task", {"subject": "回电话"})
    log_activity(rep, keep, "call", {"subject": "第一次电话"})
    meeting = log_activity(
        rep, keep, "meeting", {"subject": "拜访", "attendee_people": [keep.pk, other.pk]}
    )
    deal = make_deal(rep, "框架协议", company=company.pk)
    sales_services.set_contact(rep, deal, other, "决策人")
    sales_services.set_contact(rep, deal, keep, "用户")  # both on one deal: no doubling
    deal2 = make_deal(rep, "二期")
    sales_services.set_contact(rep, deal2, other, "采购")
    product = catalog.save_product(
        admin_user, None, {"sku": "M-1", "name": "产品", "price": "100", "tax_rate": "13"}
    )
    lines = [{"product": product.pk, "quantity": "1"}]
    quote = quotes.create_quote(rep, {"title": "报价", "person": other.pk, "lines": lines})
    accepted = quotes.accept_quote(
        rep, quotes.create_quote(rep, {"title": "订单", "person": other.pk, "lines": lines})
    )
    lead = leads.create_lead(rep, {"name": "张伟的线索"})
    Lead.all_objects.filter(pk=lead.pk).update(person=other)
    services.update_person(rep, other, {"city": "北京"})
    return {"keep": keep, "other": other, "company": company, "meeting": meeting, "quote": quote,
            "order": accepted.order, "deal": deal}  # fmt: skip


def test_merge_moves_every_row_and_undo_puts_each_back(rep, world):
    keep, other = world["keep"], world["other"]
    tables_before = table_counts()
    keep_before, other_before = person_links(keep.pk), person_links(other.pk)

    entry = merging.merge("person", rep, keep.pk, [other.pk])

    assert table_counts() == tables_before  # nothing lost, nothing doubled
    survivor = Person.objects.get(pk=keep.pk)
    assert not Person.objects.filter(pk=other.pk).exists()
    binned = Person.all_objects.get(pk=other.pk)
    assert binned.deleted_at is not None
    assert AuditEntry.objects.filter(object_id=other.pk, action="merge").exists()
    after = person_links(keep.pk)
    # the deal both were on, the meeting both attended and the shared tag stay once, on the
    # loser's side in the bin; everything else moved
    doubled = {"attending": 1, "deal_contacts": 1, "tags": 1}
    for table, count in keep_before.items():
        if table == "history":
            continue
        assert after[table] == count + other_before[table] - doubled.get(table, 0), table
    assert person_links(other.pk)["deal_contacts"] == 1
    assert after["history"] >= keep_before["history"] + other_before["history"]
    # newest non-empty values: the loser's email, title and city, the survivor's phone
    assert survivor.email == "zhang.wei@example.com"
    assert survivor.title == "经理" and survivor.city == "北京"
    assert survivor.phone == "+8613800138000"
    assert survivor.version == keep.version + 1
    assert sorted(t.name for t in survivor.tags.all()) == ["vip", "北京"]
    assert Quote.all_objects.get(pk=world["quote"].pk).person_id == keep.pk
    assert Order.all_objects.get(pk=world["order"].pk).person_id == keep.pk

    merging.undo_merge("person", rep, entry.pk)

    assert table_counts() == tables_before
    assert person_links(keep.pk) == {**keep_before, "history": person_links(keep.pk)["history"]}
    assert {k: v for k, v in person_links(other.pk).items() if k != "history"} == {
        k: v for k, v in other_before.items() if k != "history"
    }
    restored = Person.objects.get(pk=other.pk)
    assert restored.deleted_at is None
    survivor = Person.objects.get(pk=keep.pk)
    assert survivor.email == "" and survivor.title == "" and survivor.city == ""
    assert [t.name for t in survivor.tags.all()] == ["vip"]
    assert Merge.objects.get(pk=entry.pk).undone_at is not None


def test_field_choices_pick_values_from_the_chosen_record(rep, world):
    keep, other = world["keep"], world["other"]
    keep = services.update_person(rep, keep, {"name": "Zhou Yi"})  # sorts after 張偉
    sort_key_before = Person.objects.get(pk=keep.pk).name_sort_key
    entry = merging.merge(
        "person", rep, keep.pk, [other.pk], choices={"name": other.pk, "email": keep.pk}
    )
    survivor = Person.objects.get(pk=keep.pk)
    assert survivor.name == "張偉" and survivor.email == ""
    # the name's derived columns follow it: the list sorts and finds the survivor by it
    assert survivor.name_sort_key == name_sort_key("張偉", person=True)
    merging.undo_merge("person", rep, entry.pk)
    assert Person.objects.get(pk=keep.pk).name_sort_key == sort_key_before


def test_merge_companies_moves_people_deals_and_activities(rep, world):
    company = world["company"]
    twin = make_company(rep, "上海星辰科技有限公司", website="https://xingchen.example")
    newcomer = make_person(rep, "李娜", company=twin.pk)
    make_deal(rep, "新合同", company=twin.pk)
    add_note(rep, twin, "总部在上海")
    tables_before = table_counts()
    keep_before, twin_before = company_links(company.pk), company_links(twin.pk)

    entry = merging.merge("company", rep, company.pk, [twin.pk])

    assert table_counts() == tables_before
    after = company_links(company.pk)
    for table in ("activities", "filed", "people", "deals", "quotes", "orders", "leads"):
        assert after[table] == keep_before[table] + twin_before[table], table
    assert Person.objects.get(pk=newcomer.pk).company_id == company.pk
    assert "星辰" in Person.objects.get(pk=newcomer.pk).search_text

    merging.undo_merge("company", rep, entry.pk)
    assert Person.objects.get(pk=newcomer.pk).company_id == twin.pk
    assert {k: v for k, v in company_links(twin.pk).items() if k != "history"} == {
        k: v for k, v in twin_before.items() if k != "history"
    }
    assert Company.objects.filter(pk=twin.pk).exists()


def test_undo_refuses_when_the_survivor_changed_since(rep, world):
    keep, other = world["keep"], world["other"]
    entry = merging.merge("person", rep, keep.pk, [other.pk])
    survivor = Person.objects.get(pk=keep.pk)
    services.update_person(rep, survivor, {"email": "new@example.com"})
    with pytest.raises(ValidationError) as refused:
        merging.undo_merge("person", rep, entry.pk)
    assert "email" in str(refused.value)
    assert Person.all_objects.get(pk=other.pk).deleted_at is not None  # nothing undone


def test_undo_twice_is_refused(rep, world):
    entry = merging.merge("person", rep, world["keep"].pk, [world["other"].pk])
    merging.undo_merge("person", rep, entry.pk)
    with pytest.raises(ValidationError):
        merging.undo_merge("person", rep, entry.pk)


def test_a_record_cannot_be_merged_with_itself(rep, world):
    keep = world["keep"]
    with pytest.raises(ValidationError):
        merging.merge("person", rep, keep.pk, [keep.pk])
    with pytest.raises(ValidationError):
        merging.merge("person", rep, keep.pk, [])


def test_binned_and_hidden_records_are_not_found(rep, outsider, world):
    keep, other = world["keep"], world["other"]
    binned = make_person(rep, "王芳")
    services.delete_person(rep, binned)
    with pytest.raises(Http404):
        merging.merge("person", rep, keep.pk, [binned.pk])
    with pytest.raises(Http404):
        merging.merge("person", outsider, keep.pk, [other.pk])
    theirs = make_person(outsider, "张伟")
    with pytest.raises(Http404):
        merging.merge("person", rep, keep.pk, [theirs.pk])
    assert Person.objects.filter(pk=theirs.pk).exists()


def test_read_only_users_cannot_merge(readonly_user, world):
    with pytest.raises(PermissionDenied):
        merging.merge("person", readonly_user, world["keep"].pk, [world["other"].pk])


def test_a_stale_version_is_refused_and_nothing_changes(rep, world):
    keep, other = world["keep"], world["other"]
    with pytest.raises(VersionConflict):
        merging.merge("person", rep, keep.pk, [other.pk], versions={other.pk: other.version - 1})
    assert Person.objects.filter(pk=other.pk).exists()


def test_bad_field_choices_are_refused(rep, world):
    keep, other = world["keep"], world["other"]
    stranger = make_person(rep, "赵六")
    with pytest.raises(ValidationError):
        merging.merge("person", rep, keep.pk, [other.pk], choices={"name": stranger.pk})
    with pytest.raises(ValidationError):
        merging.merge("person", rep, keep.pk, [other.pk], choices={"search_text": keep.pk})
    assert Person.objects.filter(pk=other.pk).exists()


def test_merging_settles_open_pairs(rep, world):
    keep, other = world["keep"], world["other"]
    DuplicatePair.objects.create(kind="person", person_a=keep, person_b=other, score=90)
    merging.merge("person", rep, keep.pk, [other.pk])
    assert not DuplicatePair.objects.exists()
    assert AuditEntry.objects.values("action").annotate(n=Count("id")).filter(action="merge")
