"""Quote PDF size and time: a quote of 5 and of 200 lines with Chinese text, with the
embedded CJK font and with the reader's CID font, in a scratch SQLite database.

    .venv/bin/python bench/quote_pdf.py
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("KEHU_DATA_DIR", tempfile.mkdtemp(prefix="kehu-bench-pdf-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from kehu.accounts.models import Role, User  # noqa: E402
from kehu.customers import services as customers  # noqa: E402
from kehu.sales.quotes import fonts  # noqa: E402
from kehu.sales.quotes import services as quotes  # noqa: E402
from kehu.sales.quotes.pdf import quote_pdf  # noqa: E402


def main() -> None:
    admin = User.objects.create(username="bench", role=Role.objects.get(name="Administrator"))
    company = customers.create_company(admin, {"name": "上海星辰科技有限公司"})
    for size in (5, 200):
        lines = [{"description": f"第 {n} 项 ThinkPad 14 笔记本电脑（含三年上门保修）",
                  "quantity": "3", "unit_price": "6999.00", "tax_rate": "13"}
                 for n in range(size)]  # fmt: skip
        quote = quotes.create_quote(
            admin, {"title": "星辰 2027 年框架协议", "company": company.pk, "lines": lines}
        )
        for label, font in (("embedded", ""), ("CID", "/nonexistent.ttf")):
            settings.PDF_FONT = font
            fonts.pdf_fonts.cache_clear()
            started = time.perf_counter()
            quote_pdf(quote)  # the first one registers the font
            first = time.perf_counter() - started
            times = []
            for _ in range(5):
                started = time.perf_counter()
                data = quote_pdf(quote)
                times.append(time.perf_counter() - started)
            print(f"{size:>3} lines, {label:>8}: {len(data) / 1024:6.1f} KB, "
                  f"first {first * 1000:5.0f} ms, then median "
                  f"{statistics.median(times) * 1000:5.0f} ms")  # fmt: skip


main()
