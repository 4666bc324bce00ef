"""Fill a Kehu database with N people and M companies, fast, for the benchmarks.

Rows go in with direct bulk writes (executemany on SQLite, COPY on PostgreSQL) instead of the
services, but each row is what the app would store: E.164 phones, lower-cased email domains,
`search_text` built by the real `person_document` / `company_document`, owners spread over ~50
users in ~10 teams, tags through the m2m table, timestamps over three years.

    KEHU_DATABASE_URL=sqlite:////tmp/kehu_bench/1m.sqlite3 \
        .venv/bin/python bench/generate.py --people 1000000 --companies 200000

The database is migrated first; it must hold no people or companies yet.
"""

import argparse
import datetime
import itertools
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
os.environ.setdefault("KEHU_DATA_DIR", "/tmp/kehu_bench/data")  # noqa: S108
os.environ.setdefault("KEHU_SECRET_KEY", "bench-not-secret")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from kehu.accounts.models import Role, Team, User  # noqa: E402
from kehu.core.sort_keys import name_sort_key  # noqa: E402
from kehu.customers.models import Tag  # noqa: E402
from kehu.customers.services import company_document, person_document  # noqa: E402

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤单解朴区仇查翟"
) + ["欧阳", "司马", "诸葛", "上官"]
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆"
    "帅旭宁龙林欣晨阳雪琳晶颖婷慧佳怡欢嘉子梓涵轩博文思雨一诺浩然紫萱宏志国建新海波峰丹亮"
)
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Timothy",
    "Stephanie",
    "Ronald",
    "Laura",
    "Jason",
    "Rebecca",
    "Ryan",
    "Sharon",
    "Jacob",
    "Cynthia",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Wang",
    "Li",
]
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "南京",
    "武汉",
    "西安",
    "苏州",
    "天津",
    "重庆",
    "长沙",
    "青岛",
    "厦门",
]
CITY_PINYIN = "beijing shanghai guangzhou shenzhen hangzhou chengdu nanjing wuhan xian suzhou "
CITY_PINYIN = (CITY_PINYIN + "tianjin chongqing changsha qingdao xiamen").split()
CO_WORDS = list("华信达通恒泰瑞丰鑫源盛隆宏远博创金安启明中天新科东方云海星辰嘉禾")
CO_KINDS = ["科技", "贸易", "实业", "网络科技", "电子", "物流", "医药", "教育科技", "咨询", "食品"]
EN_CO_A = [
    "Acme",
    "Global",
    "Blue",
    "Silver",
    "Northern",
    "Pacific",
    "Golden",
    "Bright",
    "Summit",
    "Harbor",
    "Apex",
    "Vertex",
]
EN_CO_B = [
    "Trading",
    "Systems",
    "Logistics",
    "Foods",
    "Partners",
    "Labs",
    "Digital",
    "Health",
    "Energy",
    "Media",
]
EN_CO_C = ["Ltd", "Inc", "Co.", "Group", "LLC"]
INDUSTRIES = ["软件", "制造", "零售", "物流", "医疗", "教育", "金融", "Software", "Retail"]
TITLES = ["经理", "总监", "销售代表", "工程师", "采购", "CEO", "CTO", "Sales Manager", "Buyer", ""]
TAGS = ["VIP", "潜在客户", "合作伙伴", "重点", "newsletter", "展会", "老客户", "渠道", "华东",
        "华南", "华北", "decision-maker", "技术", "采购", "流失风险", "推荐", "海外", "政府",
        "教育", "医疗"]  # fmt: skip
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "176", "177", "178", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "198", "199",
]  # fmt: skip
# common names are much more common (roughly Zipf, as in real name statistics)
SURNAME_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(SURNAMES))))
GIVEN_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) ** 0.7 for rank in range(len(GIVEN))))
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com"]
YEARS = 3
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
SPAN = int(datetime.timedelta(days=365 * YEARS).total_seconds())
CHUNK = 10_000
PINYIN: dict[str, str] = {}


def _pinyin_of(text: str) -> str:
    """Pinyin of a name for the e-mail local part (cached per character)."""
    from pypinyin import lazy_pinyin

    out = []
    for ch in text:
        if ch not in PINYIN:
            PINYIN[ch] = lazy_pinyin(ch)[0]
        out.append(PINYIN[ch])
    return "".join(out)


def _phone(rng: random.Random) -> str:
    return f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def _moment(rng: random.Random) -> tuple[datetime.datetime, datetime.datetime]:
    created = NOW - datetime.timedelta(seconds=rng.randrange(SPAN))
    updated = created + datetime.timedelta(
        seconds=rng.randrange(int((NOW - created).total_seconds()) + 1)
    )
    return created, updated


def company_rows(args: tuple[int, int, int, list[int]]) -> list[tuple]:
    """Company rows for ids start..start+count-1, with their search documents."""
    start, count, seed, owners = args
    rng = random.Random(seed)
    rows = []
    for pk in range(start, start + count):
        if rng.random() < 0.65:
            city = rng.randrange(len(CITIES))
            name = (
                CITIES[city] + "".join(rng.sample(CO_WORDS, 2)) + rng.choice(CO_KINDS) + "有限公司"
            )
            slug = CITY_PINYIN[city] + _pinyin_of(name[2:4]) + str(pk)
        else:
            city = rng.randrange(len(CITIES))
            name = f"{rng.choice(EN_CO_A)} {rng.choice(EN_CO_B)} {rng.choice(EN_CO_C)}"
            slug = name.split()[0].lower() + name.split()[1].lower() + str(pk)
        website = f"https://www.{slug}.com"
        email = f"info@{slug}.com"
        phone = _phone(rng) if rng.random() < 0.8 else ""
        company = SimpleNamespace(name=name, email=email, website=website, phone=phone)
        created, updated = _moment(rng)
        owner = rng.choice(owners)
        rows.append((pk, name, website, email, phone, rng.choice(INDUSTRIES), CITIES[city],
                     "", "", "{}", company_document(company), name_sort_key(name), created,
                     updated, 1, owner, owner))  # fmt: skip
    return rows


def person_rows(args: tuple[int, int, int, list[int], int]) -> tuple[list[tuple], list[tuple]]:
    """Person rows for ids start..start+count-1 (+ their tag links), with search documents."""
    start, count, seed, owners, n_companies = args
    rng = random.Random(seed)
    rows, links = [], []
    company_names = _COMPANY_NAMES
    for pk in range(start, start + count):
        if rng.random() < 0.7:
            surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
            given = "".join(rng.choices(GIVEN, cum_weights=GIVEN_WEIGHTS, k=rng.choice((1, 2, 2))))
            name = surname + given
            local = _pinyin_of(name)
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            local = f"{first}.{last}".lower()
        email = f"{local}{rng.randrange(1000)}@{rng.choice(DOMAINS)}" if rng.random() < 0.85 else ""
        phone = _phone(rng) if rng.random() < 0.9 else ""
        company_id = (
            rng.randrange(1, n_companies + 1) if n_companies and rng.random() < 0.7 else None
        )
        company = SimpleNamespace(name=company_names.get(company_id, "")) if company_id else None
        person = SimpleNamespace(
            name=name, email=email, phone=phone, company_id=company_id, company=company
        )
        created, updated = _moment(rng)
        owner = rng.choice(owners)
        city = rng.choice(CITIES) if rng.random() < 0.6 else ""
        rows.append((pk, name, email, phone, rng.choice(TITLES), company_id, None, city, "", "",
                     "{}", person_document(person), name_sort_key(name, person=True), created,
                     updated, 1, owner, owner))  # fmt: skip
        if rng.random() < 0.3:
            for tag in rng.sample(range(1, len(TAGS) + 1), rng.choice((1, 1, 2, 3))):
                links.append((pk, tag, owner))
    return rows, links


_COMPANY_NAMES: dict[int, str] = {}


def _init_worker(company_names: dict[int, str]) -> None:
    global _COMPANY_NAMES
    _COMPANY_NAMES = company_names


# --- writing -----------------------------------------------------------------------------------

COMPANY_COLS = ["id", "name", "website", "email", "phone", "industry", "city", "address", "notes",
                "custom", "search_text", "name_sort_key", "created_at", "updated_at", "version",
                "owner_id", "created_by_id"]  # fmt: skip
PERSON_COLS = ["id", "name", "email", "phone", "title", "company_id", "birthday", "city", "address",
               "notes", "custom", "search_text", "name_sort_key", "created_at", "updated_at",
               "version", "owner_id", "created_by_id"]  # fmt: skip


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, create statement) of the plain secondary indexes on `tables` (not constraints)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
        else:
            marks = ",".join("?" * len(tables))
            cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})".replace("?", "%s"),
                tables,
            )
        return list(cur.fetchall())


def _sqlite_value(v):
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    return v


def write_rows(table: str, cols: list[str], rows: list[tuple]) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            names = ", ".join(f'"{c}"' for c in cols)
            with cur.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            names = ", ".join(f'"{c}"' for c in cols)
            marks = ", ".join("?" * len(cols))
            cur.connection.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                [tuple(_sqlite_value(v) for v in row) for row in rows],
            )


#: every bench_* user's password (docs/benchmarks.md, "What the scripts do")
BENCH_PASSWORD = "bench-password"  # noqa: S105


def make_users() -> tuple[list[int], User, User]:
    rep_role = Role.objects.get(name="Sales rep")
    admin_role = Role.objects.get(name="Administrator")
    teams = [Team.objects.get_or_create(name=f"Bench team {i + 1}")[0] for i in range(10)]
    owners = []
    for i in range(50):
        user, _created = User.objects.get_or_create(
            username=f"bench_user{i + 1:02d}",
            defaults={"team": teams[i % 10], "role": rep_role, "first_name": f"User {i + 1}"},
        )
        owners.append(user.pk)
    rep = User.objects.get(username="bench_user01")
    admin, _created = User.objects.get_or_create(
        username="bench_admin", defaults={"role": admin_role, "team": teams[0]}
    )
    # get_or_create leaves the password empty, which Django counts as usable but which no
    # login can match: every benchmark user gets BENCH_PASSWORD, so the web UI (and the
    # mixed load client's browser sessions) can log in as any of them
    for user in [admin, *User.objects.filter(username__startswith="bench_user")]:
        if not user.password or not user.has_usable_password():
            user.set_password(BENCH_PASSWORD)
            user.save(update_fields=["password"])
    return owners, rep, admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--processes", type=int, default=2)
    opts = parser.parse_args()
    t0 = time.perf_counter()
    db = connection.settings_dict["NAME"]
    print(f"database: {connection.vendor} {db}", flush=True)
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t0:.1f}s", flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM customers_person) + "
                    "(SELECT count(*) FROM customers_company)")  # fmt: skip
        if cur.fetchone()[0]:
            sys.exit("the database already holds people or companies: start from an empty one")

    owners, rep, admin = make_users()
    for name in TAGS:
        Tag.objects.get_or_create(name=name)
    tag_ids = list(Tag.objects.filter(name__in=TAGS).order_by("id").values_list("id", flat=True))
    tag_map = {i + 1: pk for i, pk in enumerate(tag_ids)}

    tables = ["customers_person", "customers_company", "customers_person_tags"]
    indexes = _secondary_indexes(tables)
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-400000")
            for trigger in ("customers_person_fts_ai", "customers_company_fts_ai"):
                cur.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
        else:
            cur.execute("SET maintenance_work_mem = '512MB'")
        for name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    print(f"dropped {len(indexes)} secondary indexes for the load", flush=True)

    rng = random.Random(opts.seed)
    pool = multiprocessing.get_context("fork").Pool(opts.processes)
    # companies
    t = time.perf_counter()
    jobs = [(s, min(CHUNK, opts.companies - s + 1), rng.randrange(2**31), owners)
            for s in range(1, opts.companies + 1, CHUNK)]  # fmt: skip
    company_names: dict[int, str] = {}
    with transaction.atomic():
        for rows in pool.imap(company_rows, jobs):
            write_rows("customers_company", COMPANY_COLS, rows)
            company_names.update((r[0], r[1]) for r in rows)
    pool.close()
    print(f"companies: {opts.companies:,} in {time.perf_counter() - t:.1f}s", flush=True)

    # people (workers need the company names for the documents)
    t = time.perf_counter()
    pool = multiprocessing.get_context("fork").Pool(
        opts.processes, initializer=_init_worker, initargs=(company_names,)
    )
    jobs = [(s, min(CHUNK, opts.people - s + 1), rng.randrange(2**31), owners, opts.companies)
            for s in range(1, opts.people + 1, CHUNK)]  # fmt: skip
    done = links_total = 0
    link_id = 1
    with transaction.atomic():
        for rows, links in pool.imap(person_rows, jobs):
            write_rows("customers_person", PERSON_COLS, rows)
            link_rows = []
            for person_id, tag, owner in links:
                link_rows.append((link_id, person_id, tag_map[tag], owner))
                link_id += 1
            link_columns = ["id", "person_id", "tag_id", "owner_id"]
            write_rows("customers_person_tags", link_columns, link_rows)
            done += len(rows)
            links_total += len(link_rows)
            if done % 100_000 == 0 or done == opts.people:
                rate = done / (time.perf_counter() - t)
                print(f"  people {done:,} ({rate:,.0f}/s)", flush=True)
    pool.close()
    print(f"people: {opts.people:,} (+{links_total:,} tag links) in "
          f"{time.perf_counter() - t:.1f}s", flush=True)  # fmt: skip

    t = time.perf_counter()
    with connection.cursor() as cur:
        for _name, sql in indexes:
            cur.execute(sql)
        print(f"indexes rebuilt in {time.perf_counter() - t:.1f}s", flush=True)
        t = time.perf_counter()
        if connection.vendor == "sqlite":
            from kehu.core.migration_operations import search_index_sql

            for table in ("customers_person", "customers_company"):
                cur.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES('rebuild')")
                for statement in search_index_sql(table, "sqlite"):
                    cur.execute(statement)  # recreates the dropped insert trigger
            print(f"FTS rebuilt in {time.perf_counter() - t:.1f}s", flush=True)
            t = time.perf_counter()
            cur.execute("ANALYZE")
            cur.execute("PRAGMA optimize")
        else:
            for table in tables:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            # VACUUM sets the visibility map, so index-only scans work as after autovacuum
            cur.execute("VACUUM (ANALYZE)")
        print(f"analyzed in {time.perf_counter() - t:.1f}s", flush=True)
    # rows written past the services: count the people's data quality as the worker would
    from kehu.analytics.data_quality.rollup import rebuild

    t = time.perf_counter()
    rebuild()
    print(f"data quality counted in {time.perf_counter() - t:.1f}s", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"users: admin={admin.username} (all) rep={rep.username} (own); "
          f"total {time.perf_counter() - t0:.1f}s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
