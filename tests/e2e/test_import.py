"""Importing a GBK-encoded CSV, as exported by Excel on a Chinese Windows PC."""

import re

from playwright.sync_api import expect

from kehu.customers.models import Person
from tests.e2e.helpers import login
from tests.factories import make_user

ROWS = [
    ["姓名", "邮箱", "电话", "公司"],
    ["张三", "zhangsan@example.com", "13800000001", "华为技术有限公司"],
    ["李四", "lisi@example.com", "138 0000 0002", "阿里巴巴"],
    ["王五", "这不是邮箱", "13800000003", "阿里巴巴"],  # line 4: a bad email
]


def test_import_a_gbk_csv_through_the_import_pages(page, tmp_path):
    path = tmp_path / "客户名单.csv"
    path.write_text("\r\n".join(",".join(row) for row in ROWS) + "\r\n", encoding="gbk")
    make_user("lina")
    login(page, "lina")

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label(re.compile(r"^Import")).select_option(label="People")
    page.get_by_label(re.compile(r"^File")).set_input_files(path)
    page.get_by_role("button", name="Upload").click()

    # the mapping step: columns guessed from the Chinese headers, a readable preview
    expect(page.get_by_role("heading", level=1)).to_contain_text("客户名单.csv")
    for header, value in (("姓名", "name"), ("邮箱", "email"), ("电话", "phone")):
        expect(page.get_by_label(header, exact=True)).to_have_value(value)
    expect(page.get_by_label("公司", exact=True)).not_to_have_value("")
    preview = page.locator("table[data-preview]")
    expect(preview).to_contain_text("张三")
    expect(preview).to_contain_text("华为技术有限公司")
    expect(preview.get_by_role("row", name=re.compile("王五"))).to_contain_text("skipped")
    page.get_by_role("button", name="Import", exact=True).click()

    # the status page reaches "done": two imported, the bad row reported by its line
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text(re.compile("done", re.IGNORECASE), timeout=10_000)
    expect(progress.locator("[data-imported]")).to_have_text("2")
    expect(progress.locator("[data-skipped]")).to_have_text("1")
    bad = progress.locator("table[data-errors] tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.locator("td").first).to_have_text("4")
    expect(progress.get_by_role("link", name=re.compile("error report"))).to_be_visible()

    progress.get_by_role("link", name="Go to the list").click()
    expect(page.get_by_role("link", name="张三")).to_be_visible()
    expect(page.get_by_role("link", name="李四")).to_be_visible()
    expect(page.get_by_text("王五")).to_have_count(0)
    assert Person.objects.get(name="李四").phone == "+8613800000002"
    assert Person.objects.get(name="张三").company.name == "华为技术有限公司"


def test_choose_the_encoding_of_a_western_csv_and_see_the_preview_change(page, tmp_path):
    """A CSV saved by Excel on a Portuguese PC (Windows-1252): detected as such, and the
    encoding select re-reads the preview in place."""
    path = tmp_path / "clientes.csv"
    path.write_text("name,city\r\nInês Ciência,São Paulo\r\n", encoding="cp1252")
    make_user("ines")
    login(page, "ines")
    page.goto("/import/")
    page.get_by_label(re.compile(r"^File")).set_input_files(path)
    page.get_by_role("button", name="Upload").click()

    encoding = page.get_by_label("File encoding")
    expect(encoding).to_have_value("cp1252")
    preview = page.locator("table[data-preview]")
    expect(preview).to_contain_text("São Paulo")
    encoding.select_option("gb18030")  # no button: the change alone re-reads (htmx)
    expect(page.locator("table[data-preview]")).to_contain_text("S鉶 Paulo")
    # the swapped-in select reacts once htmx has settled it (as a person's next click would)
    expect(page.get_by_label("File encoding")).to_have_value("gb18030")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    page.get_by_label("File encoding").select_option("cp1252")
    expect(page.locator("table[data-preview]")).to_contain_text("São Paulo")
    page.get_by_role("button", name="Import", exact=True).click()

    progress = page.locator("#import-progress")
    expect(progress).to_contain_text(re.compile("done", re.IGNORECASE), timeout=10_000)
    assert Person.objects.get(name="Inês Ciência").city == "São Paulo"


def test_a_file_with_too_many_columns_is_refused_with_a_message(page, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(2000)) + "\n", encoding="utf-8")
    make_user("wide")
    login(page, "wide")
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label(re.compile(r"^File")).set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text(re.compile("at most 500 columns"))).to_be_visible()
