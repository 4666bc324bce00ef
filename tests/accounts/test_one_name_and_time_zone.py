"""A colleague's name is one field (Chinese names are not first + last) and the time zone is
picked from every zone, the common ones named in the reader's language."""

import importlib

import pytest
from django.urls import reverse

from kehu.accounts.models import User
from kehu.core.audit import history
from tests.factories import make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kehu.accounts.migrations.0006_builtin_keys_and_one_name")


def test_an_old_first_and_last_name_fold_into_one_name():
    assert migration.whole_name("娜", "李") == "李娜"
    assert migration.whole_name("Anna", "Schmidt") == "Anna Schmidt"
    assert migration.whole_name(" ", "") == ""
    assert len(migration.whole_name("x" * 100, "y" * 100)) == 150
    # a pair written before (API, command line) reads the same way
    assert User(first_name="娜", last_name="李").get_full_name() == "李娜"
    assert str(User(username="anna", first_name="Anna", last_name="Schmidt")) == "Anna Schmidt"


def test_the_profile_shows_one_name_field_and_a_named_time_zone_list(client):
    user = make_user("lina", first_name="李娜", language="zh-hans")
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert 'name="name"' in page and 'value="李娜"' in page
    assert 'name="first_name"' not in page and 'name="last_name"' not in page
    assert ">姓名" in page
    assert "data-zone-picker" in page and "查找时区（城市或名称）" in page
    assert "中国标准时间（北京、上海） · Asia/Shanghai" in page
    assert '<optgroup label="全部时区">' in page and ">Europe/Paris<" in page


def test_the_profile_saves_the_whole_name_and_refuses_an_unknown_zone(client):
    user = make_user("wei", first_name="Wei", last_name="Zhang")
    client.force_login(user)
    form = {"name": "张伟", "language": "", "time_zone": "Asia/Shanghai"}
    assert client.post(reverse("profile"), form).status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.time_zone) == ("张伟", "", "Asia/Shanghai")

    bad = client.post(reverse("profile"), {**form, "name": "王伟", "time_zone": "Asia/Beijing"})
    body = bad.content.decode()
    assert bad.status_code == 200 and "“Asia/Beijing” is not a time zone Kehu knows." in body
    assert 'aria-invalid="true"' in body
    user.refresh_from_db()
    assert (user.first_name, user.time_zone) == ("张伟", "Asia/Shanghai")
    assert history(user).count() == 1

    too_long = client.post(reverse("profile"), {**form, "name": "x" * 151})
    assert too_long.status_code == 200 and "errorlist" in too_long.content.decode()
    assert User.objects.get(pk=user.pk).first_name == "张伟"
