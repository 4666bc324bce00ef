"""A quote as a PDF, drawn with ReportLab (decision 0012).

Text is set in the Adobe CID font STSong-Light, which every PDF reader carries for Chinese,
so a PDF with Chinese names needs no font file on the server and stays small. Latin text is
set in Helvetica, another font every reader has. Readers extract the text of both, so the
PDF's totals can be checked in tests.
"""

import io
import itertools
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kehu.core.numbers import money, plain

FONT = "STSong-Light"
LATIN = "Helvetica"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=TEXT, fontSize=8, leading=10, textColor=colors.grey)
RIGHT = ParagraphStyle("right", parent=TEXT, alignment=TA_RIGHT)
SMALL_RIGHT = ParagraphStyle("small_right", parent=SMALL, alignment=TA_RIGHT)
TITLE = ParagraphStyle("title", parent=TEXT, fontSize=16, leading=20)


def _runs(text: str) -> str:
    """Paragraph markup for `text`: Latin in Helvetica, everything else in the CJK font
    (which has no glyphs for some Latin-1 signs, such as the middle dot)."""
    parts = []
    for latin, group in itertools.groupby(str(text), key=lambda ch: ord(ch) < 256):
        chunk = escape("".join(group)).replace("\n", "<br/>")
        parts.append(f'<font name="{LATIN}">{chunk}</font>' if latin else chunk)
    return "".join(parts)


def _p(text, style=TEXT) -> Paragraph:
    return Paragraph(_runs(text), style)


def quote_pdf(quote) -> bytes:
    """The PDF of one version of a quote, in the active language."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{_('Quote')} {quote.label}",
        author=settings.COMPANY_NAME or "Kehu",
    )
    company = quote.company if quote.company_id else None
    person = quote.person if quote.person_id else None
    story = []
    if settings.COMPANY_NAME:
        story.append(_p(settings.COMPANY_NAME, SMALL))
    story.append(_p(f"{_('Quote')} {quote.label}", TITLE))
    story.append(_p(quote.title))
    story.append(Spacer(1, 4 * mm))
    facts = [
        (_("Date"), timezone.localdate(quote.created_at).isoformat()),
        (_("Valid until"), quote.valid_until.isoformat() if quote.valid_until else "—"),
        (_("Customer"), company.name if company else "—"),
        (_("Contact"), person.name if person else "—"),
        (_("Currency"), quote.currency),
    ]
    facts_table = Table([[_p(k, SMALL), _p(v)] for k, v in facts], colWidths=[30 * mm, 120 * mm])
    facts_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [facts_table, Spacer(1, 6 * mm)]

    head = [_("#"), _("SKU"), _("Description"), _("Quantity"), _("Unit price"),
            _("Discount"), _("Tax"), _("Amount")]  # fmt: skip
    rows = [[_p(h, SMALL if i < 3 else SMALL_RIGHT) for i, h in enumerate(head)]]
    for number, line in enumerate(quote.lines.all(), start=1):
        rows.append(
            [
                _p(number),
                _p(line.sku),
                _p(line.description),
                _p(f"{plain(line.quantity)} {line.unit}".strip(), RIGHT),
                _p(money(line.unit_price), RIGHT),
                _p(f"{plain(line.discount_percent)}%" if line.discount_percent else "", RIGHT),
                _p(f"{plain(line.tax_rate)}%", RIGHT),
                _p(money(line.net), RIGHT),
            ]
        )
    widths = [8, 22, 54, 20, 22, 18, 13, 25]
    lines_table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    lines_table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [lines_table, Spacer(1, 4 * mm)]
    sums = [(_("Subtotal"), quote.subtotal)]
    if quote.discount_total:
        sums += [
            (_("Discount"), -quote.discount_total),
            (_("Net"), quote.subtotal - quote.discount_total),
        ]
    sums += [(_("Tax"), quote.tax_total), (_("Total"), quote.total)]
    sums_table = Table(
        [[_p(k, RIGHT), _p(f"{money(v)} {quote.currency}", RIGHT)] for k, v in sums],
        colWidths=[150 * mm, 32 * mm],
    )
    sums_table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    story.append(sums_table)
    if quote.terms:
        story += [Spacer(1, 6 * mm), _p(_("Terms and notes"), SMALL), _p(quote.terms)]
    doc.build(story)
    return buffer.getvalue()
