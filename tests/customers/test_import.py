"""The importer without HTTP: encodings, delimiters, XLSX, validation, duplicates, resume."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from kehu.core.models import AuditEntry
from kehu.core.search import search
from kehu.customers import services
from kehu.customers.imports import files as import_files
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports import running as importing
from kehu.customers.imports import writing as import_writing
from kehu.customers.imports import xlsx as import_xlsx
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Company, CustomField, Person
from tests.customers.import_helpers import csv_text, job_from_bytes, xlsx_bytes
from tests.factories import make_company, make_person, make_user

pytestmark = pytest.mark.django_db

CHINESE = csv_text(
    [
        "姓名,邮箱,手机,公司,职位,城市,标签",
        "张伟,zhang.wei@example.com,13812345678,华为技术有限公司,经理,深圳,VIP;新客户",
        "李娜,li.na@Example.COM,139 1234 5678,,工程师,北京,",
    ]
)


def _run(job):
    job = importing.import_file(job)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gbk", "gb18030"],
)
def test_chinese_csv_in_each_encoding(rep, encoding):
    job = _run(job_from_bytes(rep, CHINESE.encode(encoding)))
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.imported, job.skipped, job.total_rows) == (2, 0, 2)
    zhang = Person.objects.get(name="张伟")
    assert zhang.email == "zhang.wei@example.com"
    assert zhang.phone == "+8613812345678"
    assert zhang.title == "经理" and zhang.city == "深圳"
    assert zhang.owner == rep and zhang.created_by == rep
    assert sorted(t.name for t in zhang.tags.all()) == ["VIP", "新客户"]
    assert zhang.company.name == "华为技术有限公司" and zhang.company.owner == rep
    li = Person.objects.get(name="李娜")
    assert li.email == "li.na@example.com" and li.phone == "+8613912345678"
    assert li.company is None
    # sorted by pinyin as service-made records are: the importer writes the sort keys too
    assert zhang.name_sort_key == make_person(rep, "张伟").name_sort_key
    assert zhang.company.name_sort_key.startswith("hua wei ji shu you xian gong si")


def test_encoding_detection_reports_what_it_found(rep):
    assert job_from_bytes(rep, CHINESE.encode("gbk")).encoding == "gb18030"
    assert job_from_bytes(rep, CHINESE.encode("utf-8-sig")).encoding == "utf-8-sig"
    headers = job_from_bytes(rep, CHINESE.encode("utf-8-sig")).headers
    assert headers[0] == "姓名"  # the BOM is not part of the first header


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(rep, delimiter):
    text = CHINESE.replace(",", delimiter).replace("VIP;新客户", "VIP|新客户")
    job = _run(job_from_bytes(rep, text.encode()))
    assert job.delimiter == delimiter
    assert job.imported == 2
    assert Person.objects.get(name="张伟").phone == "+8613812345678"


def test_imported_people_are_found_by_search_like_service_created_ones(rep):
    _run(job_from_bytes(rep, CHINESE.encode()))
    found = search(Person.objects.visible_to(rep), "zhangwei")
    assert [p.name for p in found] == ["张伟"]
    assert [p.name for p in search(Person.objects.visible_to(rep), "13812345678")] == ["张伟"]
    assert [c.name for c in search(Company.objects.visible_to(rep), "华为")] == ["华为技术有限公司"]


def test_search_document_matches_the_services(rep):
    company = make_company(rep, "腾讯科技")
    person = make_person(rep, "单田芳", email="shan@example.com", phone="+393123456789",
                         company=company.pk)  # fmt: skip
    values = {"name": person.name, "email": person.email, "phone": person.phone}
    assert import_writing.person_document(values, "腾讯科技") == person.search_text
    italian = {"name": "Mario", "phone": "+390612345678"}  # a leading zero after the code
    assert import_writing.person_document(italian, "") == services.person_document(
        Person(name="Mario", phone="+390612345678")
    )
    values = {"name": company.name, "email": "", "website": ""}
    assert import_writing.company_document(values) == company.search_text


def test_xlsx_with_numeric_phone_and_date_cells(rep):
    data = xlsx_bytes(
        [
            ["Name", "Phone", "Birthday", "Email"],
            ["Wang Fang", 13812345678, datetime.date(1990, 5, 17), "wf@example.com"],
            ["Liu Yang", 1.3912345678e10, None, None],
        ]
    )
    job = _run(job_from_bytes(rep, data, fmt="xlsx"))
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.imported == 2 and job.total_rows == 2
    wang = Person.objects.get(name="Wang Fang")
    assert wang.phone == "+8613812345678"
    assert wang.birthday == datetime.date(1990, 5, 17)
    assert Person.objects.get(name="Liu Yang").phone == "+8613912345678"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        (3.25, "3.25"),
        (1e-7, "0.0000001"),
        (True, "true"),
        (None, ""),
        (datetime.datetime(2024, 1, 2), "2024-01-02"),
        (datetime.datetime(2024, 1, 2, 9, 30), "2024-01-02 09:30:00"),
        ("  x ", "  x "),
    ],
)
def test_cell_text_reads_cells_as_typed(value, text):
    assert import_xlsx.cell_text(value) == text


def _labels_by_line(job):
    return {e["line"]: e["reason"] for e in job.errors}


def test_bad_rows_are_reported_with_line_and_reason_and_good_rows_import(admin_user, rep):
    CustomField.objects.create(
        entity="person", key="level", label="Level", label_zh="级别", type="choice",
        choices=["A", "B"],
    )  # fmt: skip
    text = csv_text(
        [
            "姓名,邮箱,电话,级别",
            "好人甲,good1@example.com,13800000001,A",
            "坏邮箱,not-an-email,13800000002,A",
            "坏电话,bad.phone@example.com,12345,B",
            ",no.name@example.com,13800000004,A",
            "坏级别,bad.level@example.com,13800000005,Z",
            "好人乙,good2@example.com,,",
        ]
    )
    job = _run(job_from_bytes(rep, text.encode()))
    assert job.mapping == ["name", "email", "phone", "custom.level"]
    assert job.status == ImportJob.Status.DONE
    assert (job.imported, job.skipped, job.error_count) == (2, 4, 4)
    errors = _labels_by_line(job)
    assert sorted(errors) == [3, 4, 5, 6]
    assert "email" in errors[3] and "valid email" in errors[3]
    assert "phone" in errors[4] and "12345" in errors[4]
    assert "name" in errors[5] and "required" in errors[5]
    assert "Level" in errors[6] and "“Z” is not one of the choices" in errors[6]
    assert sorted(Person.objects.values_list("name", flat=True)) == ["好人乙", "好人甲"]
    assert Person.objects.get(name="好人甲").custom == {"level": "A"}
    assert not Person.objects.filter(email__in=["bad.phone@example.com", "no.name@example.com"])


def test_long_values_and_bad_dates_fail_like_the_model_would(rep):
    text = csv_text(["name,title,birthday", f"A,{'x' * 101},", "B,ok,1990-13-40", "C,ok,1990/1/2"])
    job = _run(job_from_bytes(rep, text.encode()))
    errors = _labels_by_line(job)
    assert "100" in errors[2] and "YYYY-MM-DD" in errors[3]
    assert Person.objects.get().birthday == datetime.date(1990, 1, 2)


def test_one_audit_entry_per_imported_record(rep):
    job = _run(job_from_bytes(rep, CHINESE.encode()))
    person_type = ContentType.objects.get_for_model(Person)
    entries = AuditEntry.objects.filter(content_type=person_type, action="import")
    assert entries.count() == 2
    zhang = Person.objects.get(name="张伟")
    entry = entries.get(object_id=zhang.pk)
    assert entry.actor == rep
    assert entry.changes["name"] == [None, "张伟"]
    assert entry.changes["tags"] == [None, "VIP, 新客户"]
    assert entry.changes["_import"] == job.pk
    company_entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Company), object_id=zhang.company_id
    )
    assert company_entry.action == "import"


def test_duplicates_within_the_file_and_against_visible_records(rep, outsider):
    make_person(rep, "已有", email="exists@example.com")
    make_person(rep, "已有电话", phone="13900000000")
    make_person(outsider, "别人的", email="outsider@example.com")  # not visible to rep
    text = csv_text(
        [
            "name,email,phone",
            "A,exists@example.com,",
            "B,,+86 139 0000 0000",
            "C,new@example.com,13800000001",
            "D,new@example.com,",
            "E,other@example.com,13800000001",
            "F,outsider@example.com,",
        ]
    )
    job = _run(job_from_bytes(rep, text.encode()))
    errors = _labels_by_line(job)
    assert sorted(errors) == [2, 3, 5, 6]
    assert "exists@example.com" in errors[2] and "already exists" in errors[2]
    assert "+8613900000000" in errors[3]
    assert "line 4" in errors[5] and "line 4" in errors[6]
    assert job.imported == 2
    assert set(Person.objects.filter(owner=rep).values_list("name", flat=True)) == {
        "已有", "已有电话", "C", "F"
    }  # fmt: skip


def test_duplicates_across_batches_are_caught(rep):
    lines = ["name,email"] + [f"P{i},p{i % 3}@example.com" for i in range(7)]
    job = job_from_bytes(rep, csv_text(lines).encode())
    job = importing.import_file(job, batch_size=2)
    assert job.imported == 3 and job.skipped == 4
    assert Person.objects.count() == 3


def test_deleted_records_do_not_count_as_duplicates(rep):
    person = make_person(rep, "旧", email="old@example.com")
    services.delete_person(rep, person)
    job = _run(job_from_bytes(rep, csv_text(["name,email", "新,old@example.com"]).encode()))
    assert job.imported == 1


def test_company_matched_by_exact_visible_name_else_created(rep, outsider):
    mine = make_company(rep, "小米科技")
    make_company(outsider, "阿里巴巴")  # rep cannot see it, so a new one is made
    text = csv_text(["name,company", "A,小米科技", "B,阿里巴巴", "C,阿里巴巴", "D,小米"])
    job = job_from_bytes(rep, text.encode())
    preview = importing.preview(job, job.mapping)
    assert "existing" in preview[0].company_note and "creates" in preview[1].company_note
    job = _run(job)
    assert job.companies_created == 2
    assert Person.objects.get(name="A").company == mine
    ali = Person.objects.get(name="B").company
    assert ali.owner == rep and Person.objects.get(name="C").company == ali
    assert Company.objects.filter(name="阿里巴巴").count() == 2


def test_a_name_several_companies_share_links_to_the_oldest(rep):
    oldest = make_company(rep, "华为")
    make_company(rep, "华为")
    make_company(rep, "华为")
    job = _run(job_from_bytes(rep, csv_text(["name,company", "A,华为", "B,华为"]).encode()))
    assert job.companies_created == 0
    assert {p.company for p in Person.objects.filter(name__in=["A", "B"])} == {oldest}


def test_company_import(rep):
    text = csv_text(
        ["公司名称,网站,行业,电话", "腾讯,www.tencent.com,互联网,0755-86013388", "坏,,,1"]
    )
    job = job_from_bytes(rep, text.encode("gbk"), entity="company")
    assert job.mapping == ["name", "website", "industry", "phone"]
    job = _run(job)
    company = Company.objects.get()
    assert company.website == "https://www.tencent.com" and company.industry == "互联网"
    assert company.phone == "+8675586013388"
    assert company.search_text == services.company_document(company)
    assert _labels_by_line(job).keys() == {3}


def test_owner_column_follows_the_services_rules(rep, teammate, manager, outsider):
    text = csv_text(["name,owner", "A,rep", "B,teammate", "C,nobody", "D,"])
    job = _run(job_from_bytes(rep, text.encode()))
    errors = _labels_by_line(job)
    assert "only own records yourself" in errors[3]
    assert "nobody" in errors[4]
    assert Person.objects.get(name="A").owner == rep
    assert Person.objects.get(name="D").owner == rep
    text = csv_text(["name,owner", "E,teammate", "F,outsider"])
    job = _run(job_from_bytes(manager, text.encode()))
    assert Person.objects.get(name="E").owner == teammate
    assert "team" in _labels_by_line(job)[3]


def test_resume_after_a_crash_writes_nothing_twice(rep):
    lines = ["name,email"] + [f"Person {i},p{i}@example.com" for i in range(25)]
    job = job_from_bytes(rep, csv_text(lines).encode())
    importing.import_file(job, batch_size=10, max_batches=1)  # the worker "dies" here
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert (job.position, job.processed, job.imported) == (11, 10, 10)
    assert Person.objects.count() == 10

    from kehu.customers.tasks import run_import

    run_import.enqueue(job.pk)  # the ImmediateBackend runs it now
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.processed, job.imported, job.skipped, job.position) == (25, 25, 0, 26)
    assert Person.objects.count() == 25
    assert AuditEntry.objects.filter(action="import").count() == 25


def test_a_failing_batch_leaves_no_partial_rows(rep, monkeypatch):
    lines = ["name,tags"] + [f"P{i},t{i}" for i in range(4)]
    job = job_from_bytes(rep, csv_text(lines).encode())
    importing.import_file(job, batch_size=2, max_batches=1)

    def broken(self, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.BatchWriter, "_audit", broken)
    with pytest.raises(RuntimeError):
        importing.import_file(job, batch_size=2)
    job.refresh_from_db()
    assert (job.position, job.imported, job.status) == (3, 2, ImportJob.Status.FAILED)
    assert Person.objects.count() == 2
    assert Person.tags.through.objects.count() == 2


def test_cancelled_job_stops_before_the_next_batch(rep):
    lines = ["name"] + [f"P{i}" for i in range(6)]
    job = job_from_bytes(rep, csv_text(lines).encode())
    importing.import_file(job, batch_size=2, max_batches=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)
    importing.import_file(job, batch_size=2)
    assert Person.objects.count() == 2


def test_errors_are_capped_but_counted(rep, monkeypatch):
    monkeypatch.setattr(importing, "MAX_STORED_ERRORS", 3)
    lines = ["name,email"] + [f"P{i},bad{i}" for i in range(5)]
    job = _run(job_from_bytes(rep, csv_text(lines).encode()))
    assert job.error_count == 5 and len(job.errors) == 3 and job.skipped == 5


def test_blank_lines_and_short_rows(rep):
    text = "name,email,city\nA,a@example.com\n\n,,\nB,b@example.com,上海,extra\n"
    job = _run(job_from_bytes(rep, text.encode()))
    assert job.imported == 2 and job.skipped == 0
    assert Person.objects.get(name="B").city == "上海"


def test_read_only_user_cannot_import(db):
    reader = make_user("reader", role="Read-only")
    job = _run(job_from_bytes(reader, CHINESE.encode()))
    assert job.status == ImportJob.Status.FAILED and "not allowed" in job.message
    assert Person.objects.count() == 0


def test_unreadable_files_are_a_clear_problem(rep):
    with pytest.raises(import_files.FileProblem, match="XLSX"):
        job_from_bytes(rep, b"not a zip file", fmt="xlsx")
    with pytest.raises(import_files.FileProblem, match="empty"):
        job_from_bytes(rep, b"   \n")
    with pytest.raises(import_files.FileProblem, match="CSV"):
        job_from_bytes(rep, b"PK\x03\x04\x00\x00binary")


def test_invalid_utf8_later_in_the_file_fails_the_job_clearly_and_saves_nothing(rep, monkeypatch):
    monkeypatch.setattr(import_files, "SAMPLE_BYTES", 1024)
    good = "".join(f"张伟{i:04d}\n" for i in range(3000))
    data = ("name\n" + good).encode() + "李娜\n".encode("gbk")
    job = job_from_bytes(rep, data)
    assert job.encoding == "utf-8-sig"
    job = importing.import_file(job, batch_size=100)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "not valid utf-8-sig" in job.message
    assert Person.objects.count() == 0 and job.imported == 0  # the whole file is read first


def test_guess_mapping_english_and_chinese_each_field_once():
    headers = ["Full Name", "E-mail", "手机", "电话", "Company", "职位", "城市", "地址", "备注",
               "标签", "生日", "负责人", "Something"]  # fmt: skip
    mapping = import_mapping.guess_mapping(headers, "person", [])
    assert mapping == ["name", "email", "phone", "", "company", "title", "city", "address",
                       "notes", "tags", "birthday", "owner", ""]  # fmt: skip
    assert import_mapping.guess_mapping(["名称", "公司"], "company", [])[0] == "name"


def test_check_mapping_explains_what_is_missing():
    problems = import_mapping.check_mapping(["email", "email"], "person", [])
    assert any("one column" in p for p in problems)
    assert any("name" in p for p in problems)
    assert import_mapping.check_mapping(["name", ""], "person", []) == []


def test_exported_apostrophes_are_undone_on_import(rep):
    text = csv_text(["name,phone,title", "A,'+8613812345678,'=x"])
    _run(job_from_bytes(rep, text.encode()))
    person = Person.objects.get()
    assert person.phone == "+8613812345678" and person.title == "=x"


def test_nul_characters_are_dropped(rep):
    text = "name,city\nA\x00B,上\x00海\n" + "".join(f"P{i},北京\n" for i in range(100))
    job = _run(job_from_bytes(rep, text.encode()))
    assert job.imported == 101
    assert Person.objects.values_list("name", "city").get(name="AB") == ("AB", "上海")


def test_a_line_break_in_a_one_line_cell_skips_the_row_with_its_reason(rep):
    """As on the form and the API: a name or title holds one line; notes keep theirs."""
    text = csv_text(['name,title,notes', '"Zhang\nWei",经理,ok', 'Li,"CEO\r\nCTO",ok',
                     'Wang,经理,"第一行\n第二行"'])  # fmt: skip
    job = _run(job_from_bytes(rep, text.encode()))
    assert (job.imported, job.skipped) == (1, 2)
    assert Person.objects.get().notes == "第一行\n第二行"
    assert all("Line breaks" in error["reason"] for error in job.errors)
