"""Kehu on a phone, as the server answers it: contact details that dial, write and find the way,
and the home-screen install (manifest, service worker, offline page). The browser side is in
tests/e2e/test_phone_layout.py."""

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from kehu.core.contact import map_search_url
from kehu.sales.leads import services as leads
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_phones_dial_emails_write_and_addresses_open_a_map_search(rep):
    company = make_company(
        rep, "云杉科技", phone="02168889999", address="浦东新区 张江路 88 号", city="上海"
    )
    person = make_person(rep, "欧阳娜娜", phone="13912345678", email="nana@example.com",
                         company=company.pk)  # fmt: skip
    page = signed_in(rep).get(person.get_absolute_url()).content.decode()
    call = reverse("activity-log", args=["person", person.pk, "call"])
    assert f'href="tel:+8613912345678" data-log-call="{call}"' in page
    assert 'href="mailto:nana@example.com"' in page

    page = signed_in(rep).get(company.get_absolute_url()).content.decode()
    osm = "https://www.openstreetmap.org/search?query="
    query = quote("浦东新区 张江路 88 号 上海", safe="")
    assert f'href="{osm}{query}"' in page  # the address with its city, as one query
    assert 'rel="noopener noreferrer" target="_blank">浦东新区 张江路 88 号</a>' in page
    assert 'href="tel:+862168889999"' in page  # the company's own number
    assert f'href="tel:+8613912345678" data-log-call="{call}"' in page  # its people's

    chinese = signed_in(rep, "zh-hans").get(company.get_absolute_url()).content.decode()
    assert f'href="https://uri.amap.com/search?keyword={query}"' in chinese


def test_lists_and_leads_link_phones_to_the_call_log(rep):
    person = make_person(rep, "欧阳娜娜", phone="13912345678", email="nana@example.com")
    make_person(rep, "张伟")  # no phone, no email: empty cells, no dead links
    page = signed_in(rep).get(reverse("person-list")).content.decode()
    call = reverse("activity-log", args=["person", person.pk, "call"])
    assert f'<a href="tel:+8613912345678" data-log-call="{call}" data-call-name="欧阳娜娜">' in page
    assert page.count('href="tel:') == 1 and page.count('href="mailto:') == 1

    lead = leads.create_lead(rep, {"name": "王小明", "phone": "13800138000"})
    page = signed_in(rep).get(lead.get_absolute_url()).content.decode()
    assert f'data-log-call="{reverse("activity-log", args=["lead", lead.pk, "call"])}"' in page
    # what the offer opens: the call form for that record
    form = signed_in(rep).get(reverse("activity-log", args=["lead", lead.pk, "call"]))
    assert form.status_code == 200 and b'name="record" value="lead:' in form.content


def test_the_map_search_needs_an_address_and_quotes_it():
    assert map_search_url("", "上海") == ""
    assert map_search_url("  ", "") == ""
    assert map_search_url("上海市中山东一路1号", "上海").endswith(
        "query=%E4%B8%8A%E6%B5%B7%E5%B8%82%E4%B8%AD%E5%B1%B1%E4%B8%9C%E4%B8%80%E8%B7%AF1%E5%8F%B7"
    )  # the city is already in the address: not twice
    hostile = map_search_url('1 Main St" onmouseover="x&y=1#', "", "en")
    assert '"' not in hostile and "&y" not in hostile and "#" not in hostile
    assert map_search_url("1 Main St", "", "zh-hans").startswith("https://uri.amap.com/")


def test_the_manifest_installs_kehu_with_its_icons(client, rep):
    answer = client.get(reverse("manifest"))  # browsers fetch it without the session
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = json.loads(answer.content)
    assert manifest["name"] == "客户 Kehu" and manifest["start_url"] == "/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#111827"
    assert [icon["sizes"] for icon in manifest["icons"]] == ["192x192", "512x512"]
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png" and icon["src"].startswith("/static/kehu/icons/")
    page = signed_in(rep).get(reverse("home")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert client.post(reverse("manifest")).status_code == 405


def test_the_service_worker_is_served_for_the_whole_site_and_keeps_only_the_offline_page(client):
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert answer["Cache-Control"] == "no-cache"
    script = answer.content.decode()
    assert 'const OFFLINE_URL = "/offline/";' in script
    keep = json.loads(re.search(r"const KEEP = (\[.*\]);", script).group(1))
    assert keep[0] == "/offline/" and all(url.startswith("/static/") for url in keep[1:])
    assert "&quot;" not in script  # not HTML-escaped
    assert client.post("/sw.js").status_code == 405


def test_the_offline_page_speaks_both_languages_and_names_nobody(client, rep):
    for visitor in (client, signed_in(rep)):
        answer = visitor.get(reverse("offline"))
        assert answer.status_code == 200
        page = answer.content.decode()
        assert "You are offline" in page and "您已离线" in page
        assert "<script" not in page and rep.username not in page
