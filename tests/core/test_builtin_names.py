"""Roles, the pipeline and the stages Kehu installs are shown in the reader's language; what an
administrator writes (a new row, or a renamed built-in one) is shown as written."""

import pytest
from django.urls import reverse
from django.utils import translation

from kehu.accounts.models import Role
from kehu.sales.models import Stage
from tests.factories import default_pipeline, make_user, stage

pytestmark = pytest.mark.django_db


def shown(obj, language: str) -> str:
    with translation.override(language):
        return str(obj)


def test_built_in_roles_pipeline_and_stages_carry_keys_and_speak_both_languages():
    admin = Role.objects.get(name="Administrator")
    assert admin.key == "administrator"
    assert (shown(admin, "en"), shown(admin, "zh-hans")) == ("Administrator", "管理员")
    rep = Role.objects.get(key="sales_rep")
    assert (shown(rep, "en"), shown(rep, "zh-hans")) == ("Sales rep", "销售代表")
    assert shown(Role.objects.get(key="read_only"), "zh-hans") == "只读"
    pipeline = default_pipeline()
    assert (shown(pipeline, "en"), shown(pipeline, "zh-hans")) == ("New business", "新客户开发")
    keys = list(pipeline.stages.values_list("key", flat=True))
    assert keys == ["qualification", "proposal", "negotiation", "won", "lost"]
    negotiation = stage("Negotiation")
    assert (shown(negotiation, "en"), shown(negotiation, "zh-hans")) == ("Negotiation", "商务谈判")


def test_renamed_and_new_rows_show_as_written():
    role = Role.objects.get(key="manager")
    role.name = "华东经理"
    role.save()
    assert (shown(role, "en"), shown(role, "zh-hans")) == ("华东经理", "华东经理")
    own = Role.objects.create(name="Field sales", scope="own")
    assert shown(own, "zh-hans") == "Field sales"

    renamed = stage("Proposal")
    renamed.name, renamed.name_zh = "Site visit", ""
    renamed.save()
    assert (shown(renamed, "en"), shown(renamed, "zh-hans")) == ("Site visit", "Site visit")
    # only the Chinese name changed: the administrator's words, in Chinese
    chinese = stage("Qualification")
    chinese.name_zh = "初步沟通"
    chinese.save()
    assert (shown(chinese, "en"), shown(chinese, "zh-hans")) == ("Qualification", "初步沟通")
    written = Stage.objects.create(pipeline=default_pipeline(), name="Pilot", name_zh="试点")
    assert (shown(written, "en"), shown(written, "zh-hans")) == ("Pilot", "试点")


def test_pages_show_built_in_names_in_chinese(client):
    boss = make_user("boss", role="Administrator", language="zh-hans")
    client.force_login(boss)
    roles = client.get(reverse("role-list")).content.decode()
    assert "管理员" in roles and "销售代表" in roles and "Sales rep" not in roles
    board = client.get(reverse("deal-board")).content.decode()
    assert "商务谈判" in board and "Negotiation" not in board
    users = client.get(reverse("user-list")).content.decode()
    assert "管理员" in users and ">Administrator<" not in users


def test_history_shows_a_built_in_name_in_the_readers_language_whoever_wrote_it():
    """The audit trail keeps a stage's or role's name as its writer read it (赢单 from a Chinese
    reader, Won from an English one); each reader sees it in their own language."""
    from kehu.accounts.models import User
    from kehu.activities.timeline import value_labels
    from kehu.sales.models import Deal

    with translation.override("en"):
        stages = value_labels(Deal)["stage"]
        assert (stages["商务谈判"], stages["Negotiation"]) == ("Negotiation", "Negotiation")
        assert value_labels(User)["role"]["管理员"] == "Administrator"
    with translation.override("zh-hans"):
        stages = value_labels(Deal)["stage"]
        assert (stages["商务谈判"], stages["Negotiation"]) == ("商务谈判", "商务谈判")
