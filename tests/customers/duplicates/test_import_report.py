"""An import reports the rows that look like records the importing user can already see."""

import pytest

from kehu.customers.imports.running import import_file
from kehu.customers.models import Company, Person
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def test_people_with_a_name_used_at_the_same_company_are_reported(rep, outsider):
    company = make_company(rep, "星辰科技有限公司")
    known = make_person(rep, "张伟", company=company.pk)
    make_person(outsider, "王芳", company=make_company(outsider, "隐秘公司").pk)
    data = csv_text(["Name,Company", "張偉,星辰科技有限公司", "李娜,星辰科技有限公司",
                     "王芳,隐秘公司"])  # fmt: skip
    job = job_from_bytes(rep, data.encode())
    import_file(job)
    job.refresh_from_db()
    assert job.imported == 3
    assert job.look_alike_count == 1
    assert job.look_alikes == [
        {"line": 2, "id": known.pk, "name": "张伟", "reasons": ["same_name_same_company"]}
    ]
    assert Person.objects.count() == 5


def test_companies_written_with_another_legal_form_are_reported(rep, outsider):
    known = make_company(rep, "星辰科技股份有限公司")
    make_company(outsider, "隐秘科技有限公司")
    data = csv_text(["Name", "上海星辰科技有限公司", "全新公司", "隐秘科技"])
    job = job_from_bytes(rep, data.encode(), entity="company")
    import_file(job)
    job.refresh_from_db()
    assert job.imported == 3
    assert [(a["line"], a["id"]) for a in job.look_alikes] == [(2, known.pk)]
    assert Company.objects.count() == 5
