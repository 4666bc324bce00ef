"""One search over every record type: the box, the palette and GET /api/v1/search find people,
companies, colleagues, leads, deals, quotes, orders and products, ranked best match first,
each only where the user may see it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core import search
from kehu.core.search import everything
from kehu.sales.leads import services as leads
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person, make_user
from tests.sales.test_quotes import make_product

pytestmark = pytest.mark.django_db


def first_hits(user, query):
    """{kind: [labels]} and the label of the best hit overall."""
    groups = everything.search_everything(user, query)
    by_kind = {g.kind: [h.label for h in g.hits] for g in groups}
    return by_kind, (groups[0].hits[0].label if groups else None)


# --- the documents: initials from any syllable, traditional read as simplified ---------------


def test_initials_match_from_any_syllable_of_a_name(rep):
    make_company(rep, "上海星辰科技")
    make_company(rep, "北京月亮文化")
    for query in ("shxc", "xckj", "xc", "ckj", "kj", "shxckj", "星辰", "xing chen"):
        assert [c.name for c in search.search(everything_companies(rep), query)] == [
            "上海星辰科技"
        ], query
    assert not search.search(everything_companies(rep), "xkj").exists()  # not a run of syllables


def everything_companies(user):
    from kehu.customers.models import Company

    return Company.objects.visible_to(user)


def test_document_initials_stay_short():
    tokens = search.name_tokens("上海星辰科技有限公司")
    initials = [t for t in tokens if t.isascii() and t.startswith(("shxc", "xc", "gs"))]
    assert {"shxckjyxgs", "xckjyxgs", "gs"} <= set(tokens), initials
    assert "s" not in tokens  # a single letter is already the start of a syllable
    assert search.name_tokens("张伟", is_person_name=True) == ["张", "伟", "张伟", "zhang", "wei",
                                                              "zhangwei", "zw"]  # fmt: skip
    # a company named on a person's or a deal's document: its full initials only
    related = search.name_tokens("上海星辰科技有限公司", every_initial=False)
    assert "shxckjyxgs" in related and "xckjyxgs" not in related
    # a very long name: runs of initials start at no more than 8 syllables after the first
    long_name = search.name_tokens("中华人民共和国国家发展和改革委员会")
    runs = [t for t in long_name if t.isascii() and t.endswith("wyh") and len(t) > 3]
    assert len(runs) == 1 + search.documents.MAX_INITIAL_STARTS


def test_a_person_is_found_by_their_companys_name_but_not_its_middle_initials(rep):
    from kehu.customers.models import Person

    company = make_company(rep, "上海星辰科技")
    make_person(rep, "李娜", company=company.pk)
    people = Person.objects.visible_to(rep)
    assert [p.name for p in search.search(people, "星辰")] == ["李娜"]
    assert [p.name for p in search.search(people, "shxc")] == ["李娜"]
    assert not search.search(people, "xckj").exists()


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("張偉", "张伟"),
        ("张伟", "張偉"),
        ("陳國華", "陈国华"),
        ("陈国华", "陳國"),
        ("臺灣銀行", "台湾"),
    ],  # fmt: skip
)
def test_traditional_and_simplified_find_each_other(rep, stored, query):
    make_person(rep, stored)
    make_person(rep, "李娜")
    by_kind, best = first_hits(rep, query)
    assert best == stored
    assert by_kind["person"] == [stored]


# --- ranking ------------------------------------------------------------------------------


RANKING = [
    # query, the best hit overall
    ("张伟", "张伟"),  # exact before 张伟明 (start) and 王张伟 (contains)
    ("zhangwei", "张伟"),  # its full pinyin is exact too
    ("张伟明", "张伟明"),
    ("张", "张伟"),  # start of name, the shorter first
    ("wzw", "王张伟"),  # initials
    ("xckj", "上海星辰科技"),  # initials from the middle
    ("星辰科技", "星辰科技"),  # the deal named exactly so beats the company that holds it
    ("Acme", "Acme"),
    ("acme ltd", "Acme Ltd"),
    ("Q-2026", None),  # quote numbers are checked separately (the year is today's)
]


@pytest.fixture
def ranked_world(admin_user):
    for name in ("张伟明", "王张伟", "张伟", "Acme Ltd"):
        make_person(admin_user, name)
    make_company(admin_user, "上海星辰科技")
    make_company(admin_user, "Acme")
    make_deal(admin_user, "星辰科技")
    leads.create_lead(admin_user, {"name": "张伟明", "company_name": "明日科技"})
    return admin_user


@pytest.mark.parametrize(("query", "best"), [r for r in RANKING if r[1]])
def test_the_best_match_comes_first(ranked_world, query, best):
    _by_kind, first = first_hits(ranked_world, query)
    assert first == best


def test_each_group_is_ranked_exact_start_initials_contains(ranked_world):
    by_kind, _best = first_hits(ranked_world, "张伟")
    assert by_kind["person"] == ["张伟", "张伟明", "王张伟"]
    assert by_kind["lead"] == ["张伟明"]
    ranks = [everything.match_rank("zw", n) for n in ("张伟", "张伟明", "王张伟", "Zoe Wu")]
    assert ranks == [everything.INITIALS] * 3 + [everything.CONTAINS]
    assert everything.match_rank("zh", "张伟") == everything.START  # of its pinyin
    assert everything.match_rank("張偉", "张伟") == everything.EXACT
    assert everything.match_rank("zhang wei", "张伟") == everything.EXACT


def test_an_exact_name_is_found_among_many_matches(admin_user, monkeypatch):
    """The first candidates of a common word are in no order: an exact match is read apart."""
    monkeypatch.setattr(everything, "CANDIDATES", 2)
    for i in range(5):
        make_person(admin_user, f"王{chr(0x4E00 + i)}")
    make_person(admin_user, "王")
    assert first_hits(admin_user, "王")[1] == "王"


def test_quotes_and_orders_are_found_by_number(rep, admin_user):
    product = make_product(admin_user)
    quote = quotes.create_quote(
        rep, {"title": "年度采购", "lines": [{"product": product.pk, "quantity": "1"}]}
    )
    accepted = quotes.accept_quote(rep, quote)
    order = accepted.order
    by_kind, best = first_hits(rep, quote.number)
    assert by_kind["quote"] == [quote.number] and best == quote.number
    assert first_hits(rep, order.number)[0]["order"] == [order.number]
    assert first_hits(rep, quote.number[:6].lower())[0]["quote"] == [quote.number]
    assert "quote" not in first_hits(rep, "年度采购")[0]  # by number, not by title


def test_products_and_colleagues_are_found(rep, admin_user):
    make_product(admin_user, sku="HW-200", name="Router", name_zh="路由器")
    by_kind, _ = first_hits(rep, "路由")
    assert by_kind["product"] == ["Router"] or by_kind["product"] == ["路由器"]
    assert first_hits(rep, "hw-200")[0]["product"]
    make_user("zhaolei", first_name="Lei", last_name="Zhao", team=rep.team)
    assert first_hits(rep, "zhaolei")[0].get("user") is None  # a rep's own scope: themself
    assert first_hits(admin_user, "zhaolei")[0]["user"] == ["Lei Zhao"]


# --- visibility ---------------------------------------------------------------------------


def test_an_outsiders_records_never_appear(rep, outsider, admin_user):
    make_person(outsider, "秘密客户")
    make_company(outsider, "秘密公司")
    make_deal(outsider, "秘密项目")
    leads.create_lead(outsider, {"name": "秘密线索"})
    product = make_product(admin_user, sku="S-1")
    quote = quotes.create_quote(
        outsider, {"title": "秘密报价", "lines": [{"product": product.pk, "quantity": "1"}]}
    )
    order = quotes.accept_quote(outsider, quote).order
    for query in ("秘密", "mimi", quote.number, order.number):
        assert everything.search_everything(rep, query) == [], query
        assert everything.search_everything(outsider, query), query
    assert {g.kind for g in everything.search_everything(admin_user, "秘密")} == {
        "person", "company", "deal", "lead"}  # fmt: skip


def test_a_user_without_sales_rights_finds_no_sales_records(admin_user, readonly_user):
    make_deal(admin_user, "星辰项目")
    make_product(admin_user, sku="XC-1", name="星辰")
    readonly_user.role.permissions = {"customers": ["read"]}
    readonly_user.role.save()
    kinds = {g.kind for g in everything.search_everything(readonly_user, "星辰")}
    assert not kinds & {"deal", "lead", "quote", "order", "product"}


# --- zero hits, bad input, query counts ------------------------------------------------------


BAD_QUERIES = ["", "   ", "!!!", "。。。", "\x00", "a\x00b", "龘龘龘", "x" * 5000]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_zero_hits_and_bad_input_answer_quietly(rep, client, query):
    make_person(rep, "张伟")
    assert everything.search_everything(rep, query) == []
    client.force_login(rep)
    for url in ("/search/", "/palette/"):
        assert client.get(url, {"q": query}).status_code == 200
        assert client.get(url, {"q": query}, HTTP_HX_REQUEST="true").status_code == 200


def test_the_query_is_cleaned_and_cut():
    assert everything.clean_query("  张\x00伟 \t ") == "张 伟"
    assert len(everything.clean_query("x" * 5000)) == everything.MAX_QUERY


def test_the_number_of_queries_does_not_grow_with_the_hits(admin_user):
    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            everything.search_everything(admin_user, query)
        return len(captured)

    none = queries("龘")
    for i in range(12):
        make_person(admin_user, f"龘{i}", company_name=f"龘公司{i}")
        make_deal(admin_user, f"龘项目{i}")
        leads.create_lead(admin_user, {"name": f"龘线索{i}"})
    assert queries("龘") == none


# --- pages and API ------------------------------------------------------------------------


def test_the_search_page_groups_every_kind(client, ranked_world):
    client.force_login(ranked_world)
    page = client.get("/search/", {"q": "张伟"}).content.decode()
    assert "People" in page and "Leads" in page
    assert page.index(">张伟<") < page.index(">张伟明<")


def test_the_api_searches_every_kind(client, ranked_world, rep):
    client.force_login(ranked_world)
    answer = client.get("/api/v1/search", {"q": "xckj"}).json()
    first = answer["groups"][0]
    assert first["type"] == "company"
    item = first["items"][0]
    assert item["label"] == "上海星辰科技" and item["type"] == "company"
    assert item["url"] == f"/companies/{item['id']}/"
    assert client.get("/api/v1/search", {"q": ""}).json() == {"groups": []}
    assert client.get("/api/v1/search", {"q": "a\x00b"}).status_code == 422
    too_long = client.get("/api/v1/search", {"q": "x" * 201})
    assert too_long.status_code == 422 and "q" in too_long.json()["errors"]
    client.force_login(rep)
    assert client.get("/api/v1/search", {"q": "xckj"}).json() == {"groups": []}
    client.logout()
    assert client.get("/api/v1/search", {"q": "xckj"}).status_code == 401


def test_the_palette_offers_actions_pages_and_records(client, rep, outsider):
    make_person(rep, "张伟")
    make_person(outsider, "张伟强")
    client.force_login(rep)
    empty = client.get("/palette/").content.decode()
    assert "New person" in empty and "/people/new/" in empty and "My day" in empty
    assert "Users" not in empty  # an administrator's page
    page = client.get("/palette/", {"q": "张伟"}).content.decode()
    assert ">张伟<" in page and "张伟强" not in page
    assert 'role="option"' in page
    call = client.get("/palette/", {"q": "call"}).content.decode()
    assert "/activities/add/?kind=call" in call
    deal = client.get("/palette/", {"q": "new deal"}).content.decode()
    assert "/deals/new/" in deal and "/people/new/" not in deal


def test_the_migration_refreshes_documents_written_before(rep):
    """Customers 0016 / sales 0014: documents written by the old tokenizer gain the initials
    of every part and simplified characters, and keep what they held."""
    from kehu.core.search.rebuilding import OWN, PERSON, RELATED, refresh_name_tokens
    from kehu.customers.models import Company, Person

    company = make_company(rep, "上海星辰科技", email="hi@xingchen.cn")
    person = make_person(rep, "陳國華", company=company.pk)
    english = make_company(rep, "Acme")
    old_company = "上 海 星 辰 科 技 上海 shang hai xing chen ke ji shanghaixingchenkeji shxckj hi"
    old_person = "陳 國 華 陳國 國華 chen guo hua chenguohua cgh"
    Company.objects.filter(pk=company.pk).update(search_text=old_company)
    Person.objects.filter(pk=person.pk).update(search_text=old_person)
    Company.objects.filter(pk=english.pk).update(search_text="acme")
    companies = Company.objects.visible_to(rep)
    assert not search.search(companies, "xckj").exists()
    assert refresh_name_tokens(Company, {"name": OWN}, "default") == 1  # Acme is skipped
    assert refresh_name_tokens(Person, {"name": PERSON, "company__name": RELATED}, "default") == 1
    assert [c.name for c in search.search(companies, "xckj")] == ["上海星辰科技"]
    assert [p.name for p in search.search(Person.objects.visible_to(rep), "陈国华")] == ["陳國華"]
    people = Person.objects.visible_to(rep)
    assert [p.name for p in search.search(people, "shxckj")] == ["陳國華"]  # the company's
    assert not search.search(people, "xckj").exists()  # a company's middle: the company only
    refreshed = Company.objects.get(pk=company.pk).search_text
    assert refreshed.startswith(old_company) and "hi" in refreshed.split()
    assert refresh_name_tokens(Company, {"name": OWN}, "default") == 0  # nothing left to do
