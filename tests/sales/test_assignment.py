"""Assignment rules: conditions on a new lead's or deal's fields choose its owner, one user,
in turn or the least loaded in a team, skipping inactive users; the owner is notified."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kehu.activities.models import Notification
from kehu.customers.fields import services as field_services
from kehu.sales.assignment import services as assignment
from kehu.sales.assignment.services import BY_RULES
from kehu.sales.deals import services
from kehu.sales.leads import services as leads
from kehu.sales.models import AssignmentRule, Deal, Lead
from tests.api.conftest import bearer_client, send
from tests.factories import make_company, make_team, make_user

pytestmark = pytest.mark.django_db


def rule(admin, conditions=(), **data):
    defaults = {"name": "Rule", "entity": "lead", "method": "user", "active": True}
    return assignment.save_rule(admin, None, {**defaults, **data}, list(conditions))


def test_the_first_matching_rule_decides_and_notifies(admin_user, rep, teammate, manager):
    rule(admin_user, [{"field": "source", "op": "equals", "value": "web"}], name="Web",
         user=teammate.pk)  # fmt: skip
    rule(admin_user, [{"field": "region", "op": "in", "value": "华东, 华南"}], name="East",
         user=manager.pk)  # fmt: skip
    web = leads.create_lead(rep, {"name": "网上来的", "source": "web", "owner": BY_RULES})
    east = leads.create_lead(rep, {"name": "华东的", "region": "华南", "owner": BY_RULES})
    other = leads.create_lead(rep, {"name": "别的", "region": "西北", "owner": BY_RULES})
    mine = leads.create_lead(rep, {"name": "我的", "source": "web"})  # an owner given: no rules
    assert web.owner == teammate and east.owner == manager
    assert other.owner == rep and mine.owner == rep
    note = Notification.objects.get(user=teammate)
    assert "网上来的" in note.text and "Web" in note.text and note.url == web.get_absolute_url()
    assert not Notification.objects.filter(user=rep).exists()
    assert Lead.objects.get(pk=web.pk).owner == teammate  # stored, not only on the instance


def test_round_robin_skips_inactive_users_and_takes_turns(admin_user):
    team = make_team("Inside sales")
    a, b = make_user("a", team=team), make_user("b", team=team)
    make_user("gone", team=team, is_active=False)
    c = make_user("c", team=team)
    rule(admin_user, method="round_robin", team=team.pk)
    owners = [
        leads.create_lead(admin_user, {"name": f"L{i}", "owner": BY_RULES}).owner for i in range(5)
    ]
    assert owners == [a, b, c, a, b]


def test_least_loaded_gives_it_to_who_has_fewest_open(admin_user):
    team = make_team("Inside sales")
    busy, free = make_user("busy", team=team), make_user("free", team=team)
    for i in range(3):
        leads.create_lead(busy, {"name": f"busy {i}"})
    leads.create_lead(free, {"name": "closed", "status": "disqualified",
                             "disqualify_reason": "x"})  # fmt: skip
    rule(admin_user, method="least_loaded", team=team.pk)
    assert leads.create_lead(admin_user, {"name": "new", "owner": BY_RULES}).owner == free


def test_deal_rules_see_the_amount_and_the_companys_custom_fields(admin_user, rep, manager):
    field_services.create_field(
        admin_user, {"entity": "company", "key": "tier", "label": "Tier", "type": "text"}
    )
    rule(admin_user, [{"field": "amount", "op": "gt", "value": "1000000"},
                      {"field": "company.custom.tier", "op": "equals", "value": "KA"}],
         entity="deal", name="Key accounts", user=manager.pk)  # fmt: skip
    ka = make_company(rep, "大客户", custom={"tier": "KA"})
    small = make_company(rep, "小客户", custom={"tier": "SMB"})
    big = services.create_deal(rep, {"name": "大单", "amount": "2000000", "company": ka.pk,
                                     "owner": BY_RULES})  # fmt: skip
    other = services.create_deal(rep, {"name": "小单", "amount": "2000000",
                                       "company": small.pk, "owner": BY_RULES})  # fmt: skip
    assert big.owner == manager and other.owner == rep
    assert not Deal.objects.visible_to(rep).filter(pk=big.pk).exists()


def test_the_web_form_and_the_api_leave_the_owner_to_the_rules(client, admin_user, rep, manager):
    rule(admin_user, [{"field": "email_domain", "op": "equals", "value": "bigcorp.cn"}],
         user=manager.pk)  # fmt: skip
    response = client.post("/api/v1/web-leads", {"name": "访客", "email": "li@BigCorp.cn"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    assert Lead.objects.get(name="访客").owner == manager
    api = bearer_client(rep)
    created = send(api, "post", "/api/v1/leads", {"name": "API", "email": "x@bigcorp.cn"})
    assert created.json()["owner_id"] == manager.pk
    own = send(api, "post", "/api/v1/leads",
               {"name": "Mine", "email": "y@bigcorp.cn", "owner_id": rep.pk})  # fmt: skip
    assert own.json()["owner_id"] == rep.pk


def test_a_lead_assigned_away_leaves_the_creators_list(client, admin_user, rep, outsider):
    rule(admin_user, user=outsider.pk)
    client.force_login(rep)
    form = client.get(reverse("lead-create")).content.decode()
    assert f'value="{BY_RULES}"' in form
    data = {"name": "转走的线索", "source": "web", "status": "new", "owner": BY_RULES}
    response = client.post(reverse("lead-create"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("lead-list")
    assert "assigned to outsider" in response.content.decode()
    assert "转走的线索" not in client.get(reverse("lead-list")).content.decode()
    client.force_login(outsider)
    assert "转走的线索" in client.get(reverse("lead-list")).content.decode()
    assert "转走的线索" in client.get(reverse("notification-list")).content.decode()


@pytest.mark.parametrize(
    "data, conditions, field",
    [
        ({"method": "user", "user": ""}, [], "user"),
        ({"method": "round_robin"}, [], "team"),
        ({"method": "teleport"}, [], "method"),
        ({"name": ""}, [], "name"),
        ({}, [{"field": "shoe_size", "op": "equals", "value": "42"}], "conditions"),
        ({}, [{"field": "source", "op": "equals", "value": ""}], "conditions"),
        ({}, [{"field": "source", "op": "gt", "value": "abc"}], "conditions"),
    ],
)
def test_bad_rules_are_refused(admin_user, rep, data, conditions, field):
    with pytest.raises(ValidationError) as caught:
        rule(admin_user, conditions, **{"user": rep.pk, **data})
    assert field in caught.value.message_dict
    assert not AssignmentRule.objects.exists()


def test_only_admins_keep_rules(client, admin_user, rep):
    with pytest.raises(PermissionDenied):
        rule(rep, user=rep.pk)
    client.force_login(rep)
    assert client.get(reverse("assignment-rule-list")).status_code == 403


def test_rules_through_the_settings_screen(client, admin_user, manager):
    client.force_login(admin_user)
    data = {"name": "华东", "entity": "lead", "position": "0", "method": "user",
            "user": manager.pk, "team": "", "active": "on",
            "conditions-TOTAL_FORMS": "2", "conditions-INITIAL_FORMS": "0",
            "conditions-0-field": "region", "conditions-0-op": "equals",
            "conditions-0-value": "华东"}  # fmt: skip
    response = client.post(reverse("assignment-rule-create"), data)
    assert response.status_code == 302
    saved = AssignmentRule.objects.get()
    assert saved.conditions == [{"field": "region", "op": "equals", "value": "华东"}]
    page = client.get(reverse("assignment-rule-list")).content.decode()
    assert "华东" in page and "Region" in page
    bad = {**data, "conditions-0-value": ""}
    page = client.post(reverse("assignment-rule-edit", args=[saved.pk]), bad).content.decode()
    assert "Condition 1: enter a value." in page
    client.post(reverse("assignment-rule-delete", args=[saved.pk]))
    assert not AssignmentRule.objects.exists()


def test_lead_custom_fields_drive_rules_scores_forms_api_and_import(client, admin_user, rep,
                                                                    manager):  # fmt: skip
    from kehu.customers.imports import running as importing
    from kehu.sales.scoring import services as scoring
    from tests.customers.import_helpers import job_from_bytes

    budget = {"entity": "lead", "key": "budget", "label": "Budget", "label_zh": "预算",
              "type": "choice", "choices": ["high", "low"]}  # fmt: skip
    field_services.create_field(admin_user, budget)
    rule(admin_user, [{"field": "custom.budget", "op": "equals", "value": "high"}],
         user=manager.pk)  # fmt: skip
    big_budget = {"name": "Big budget", "field": "custom.budget", "op": "equals",
                  "value": "high", "points": 20}  # fmt: skip
    scoring.save_rule(admin_user, None, big_budget)
    big = leads.create_lead(rep, {"name": "大预算", "custom": {"budget": "high"},
                                  "owner": BY_RULES})  # fmt: skip
    assert big.owner == manager and big.score == 20 and big.custom == {"budget": "high"}
    with pytest.raises(ValidationError) as caught:
        leads.create_lead(rep, {"name": "坏的", "custom": {"budget": "huge"}})
    assert "custom.budget" in caught.value.message_dict

    client.force_login(rep)
    form = client.get(reverse("lead-create")).content.decode()
    assert 'name="cf_budget"' in form
    response = client.post(reverse("lead-create"), {"name": "表单的", "source": "web",
                                                    "status": "new", "owner": rep.pk,
                                                    "cf_budget": "low"})  # fmt: skip
    created = Lead.objects.get(name="表单的")
    assert response.status_code == 302 and created.custom == {"budget": "low"}
    assert "Budget" in client.get(created.get_absolute_url()).content.decode()

    api = bearer_client(rep)
    answer = send(api, "post", "/api/v1/leads", {"name": "API 的", "custom": {"budget": "low"},
                                                 "owner_id": rep.pk})  # fmt: skip
    assert answer.status_code == 201 and answer.json()["custom"] == {"budget": "low"}

    data = "姓名,预算\n导入的,high\n".encode()
    job = importing.import_file(job_from_bytes(rep, data, entity="lead"))
    assert job.imported == 1
    imported = Lead.objects.get(name="导入的")
    assert imported.custom == {"budget": "high"} and imported.owner == manager


def test_lead_lists_filter_by_custom_field(client, admin_user, rep):
    budget = {"entity": "lead", "key": "budget", "label": "Budget", "type": "choice",
              "choices": ["high", "low"]}  # fmt: skip
    field_services.create_field(admin_user, budget)
    leads.create_lead(rep, {"name": "高预算", "custom": {"budget": "high"}})
    leads.create_lead(rep, {"name": "低预算", "custom": {"budget": "low"}})
    client.force_login(rep)
    body = client.get(reverse("lead-list"), {"cf_budget": "high"}).content.decode()
    assert "高预算" in body and "低预算" not in body and 'name="cf_budget"' in body
    body = client.get(reverse("lead-list"), {"cf_budget": "huge"}).content.decode()
    assert "is not one of the choices" in body
    api = bearer_client(rep)
    names = [i["name"] for i in api.get("/api/v1/leads?cf_budget=low").json()["items"]]
    assert names == ["低预算"]
    assert api.get("/api/v1/leads?cf_nope=1").status_code == 422
