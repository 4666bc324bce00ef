"""A quote as a PDF, drawn with ReportLab (decisions 0012 and 0020).

The page carries the seller's header (logo, name, address, tax number, bank: Settings →
Seller details), the customer's details, the lines and totals, for CNY the total in Chinese
capitals (人民币大写), and a stamp and signature area for both sides. Text is set in an
embedded subset of a CJK TrueType font where the server has one (`fonts.py`), so it prints
the same everywhere and its text can be extracted; tests read it back with `pypdf`.
"""

import io
import itertools
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kehu.core.contact import display_phone
from kehu.core.numbers import money, plain
from kehu.sales.quotes.capitals import total_in_words
from kehu.sales.quotes.fonts import pdf_fonts
from kehu.sales.seller.services import current_seller

LOGO_HEIGHT = 16 * mm
LOGO_MAX_WIDTH = 45 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=text, fontSize=8, leading=10, textColor=colors.grey)
    return {
        "text": text,
        "small": small,
        "right": ParagraphStyle("right", parent=text, alignment=TA_RIGHT),
        "small_right": ParagraphStyle("small_right", parent=small, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=text, fontSize=16, leading=20),
        "seller": ParagraphStyle("seller", parent=text, fontSize=12, leading=15),
    }


def _table_style(commands: list) -> TableStyle:
    """A table style whose cells (empty ones too) use the PDF's font, not Helvetica."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), pdf_fonts().text), *commands])


def _runs(text: str) -> str:
    """Paragraph markup for `text`. With the CID font, Latin is set in Helvetica (the CID
    font lacks some Latin-1 signs, such as the middle dot); an embedded font has both."""
    fonts = pdf_fonts()
    if fonts.embedded:
        return escape(str(text)).replace("\n", "<br/>")
    parts = []
    for latin, group in itertools.groupby(str(text), key=lambda ch: ord(ch) < 256):
        chunk = escape("".join(group)).replace("\n", "<br/>")
        parts.append(f'<font name="{fonts.latin}">{chunk}</font>' if latin else chunk)
    return "".join(parts)


class _Writer:
    def __init__(self):
        self.styles = _styles(pdf_fonts().text)

    def p(self, text, style: str = "text") -> Paragraph:
        return Paragraph(_runs(text), self.styles[style])


def _logo(seller):
    if not seller.logo:
        return None
    from PIL import Image as PILImage

    data = bytes(seller.logo)
    with PILImage.open(io.BytesIO(data)) as image:
        width, height = image.size
    scale = min(LOGO_HEIGHT / height, LOGO_MAX_WIDTH / width)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _seller_block(w: _Writer, seller) -> list:
    lines = []
    if seller.name:
        lines.append(w.p(seller.name, "seller"))
    if seller.address:
        lines.append(w.p(seller.address, "small"))
    if seller.phone:
        lines.append(w.p(f"{_('Phone')}: {seller.phone}", "small"))
    if seller.tax_number:
        lines.append(w.p(f"{_('Tax number')}: {seller.tax_number}", "small"))
    if seller.bank_name or seller.bank_account:
        bank = " ".join(v for v in (seller.bank_name, seller.bank_account) if v)
        lines.append(w.p(f"{_('Bank')}: {bank}", "small"))
    return lines


def _customer_block(w: _Writer, quote) -> list:
    company = quote.company if quote.company_id and not quote.company.deleted_at else None
    person = quote.person if quote.person_id and not quote.person.deleted_at else None
    lines = [w.p(_("Customer"), "small")]
    if company is not None:
        lines.append(w.p(company.name))
        address = " ".join(v for v in (company.city, company.address) if v)
        if address:
            lines.append(w.p(address, "small"))
    if person is not None:
        phone = display_phone(person.phone or "")
        contact = " ".join(v for v in (person.name, phone, person.email) if v)
        lines.append(w.p(f"{_('Contact')}: {contact}", "small"))
    if len(lines) == 1:
        lines.append(w.p("—"))
    return lines


def _stamp_area(w: _Writer) -> Table:
    """Two boxes for the company seals (公章) and signatures, the seller's and the buyer's."""
    box = [
        [w.p(_("Seller: stamp and signature"), "small"),
         w.p(_("Customer: stamp and signature"), "small")],
        ["", ""],
        [w.p(_("Date"), "small"), w.p(_("Date"), "small")],
    ]  # fmt: skip
    table = Table(box, colWidths=[88 * mm, 88 * mm], rowHeights=[6 * mm, 32 * mm, 6 * mm])
    table.setStyle(
        _table_style(
            [
                ("BOX", (0, 0), (0, -1), 0.5, colors.grey),
                ("BOX", (1, 0), (1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def quote_pdf(quote) -> bytes:
    """The PDF of one version of a quote, in the active language."""
    seller = current_seller()
    w = _Writer()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{_('Quote')} {quote.label}",
        author=seller.name or "Kehu",
        # the page's starting font too, so no font outside the PDF is named at all
        initialFontName=pdf_fonts().text,
    )
    story: list = []
    logo = _logo(seller)
    seller_lines = _seller_block(w, seller)
    if logo is not None or seller_lines:
        head = Table(
            [[logo or "", seller_lines]],
            colWidths=[(LOGO_MAX_WIDTH + 4 * mm) if logo is not None else 1, None],
        )
        head.setStyle(_table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black)]))  # fmt: skip
        story += [head, Spacer(1, 4 * mm)]
    story.append(w.p(f"{_('Quote')} {quote.label}", "title"))
    story.append(w.p(quote.title))
    story.append(Spacer(1, 4 * mm))
    facts = [
        (_("Date"), timezone.localdate(quote.created_at).isoformat()),
        (_("Valid until"), quote.valid_until.isoformat() if quote.valid_until else "—"),
        (_("Currency"), quote.currency),
    ]
    facts_table = Table([[w.p(k, "small"), w.p(v)] for k, v in facts], colWidths=[22 * mm, 60 * mm])
    facts_table.setStyle(_table_style([]))
    parties = Table([[_customer_block(w, quote), facts_table]], colWidths=[95 * mm, 85 * mm])
    parties.setStyle(_table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [parties, Spacer(1, 6 * mm)]

    head_row = [_("#"), _("SKU"), _("Description"), _("Quantity"), _("Unit price"),
                _("Discount"), _("Tax"), _("Amount")]  # fmt: skip
    rows = [[w.p(h, "small" if i < 3 else "small_right") for i, h in enumerate(head_row)]]
    for number, line in enumerate(quote.lines.all(), start=1):
        rows.append(
            [
                w.p(number),
                w.p(line.sku),
                w.p(line.description),
                w.p(f"{plain(line.quantity)} {line.unit}".strip(), "right"),
                w.p(money(line.unit_price), "right"),
                w.p(f"{plain(line.discount_percent)}%" if line.discount_percent else "", "right"),
                w.p(f"{plain(line.tax_rate)}%", "right"),
                w.p(money(line.net), "right"),
            ]
        )
    widths = [8, 22, 54, 20, 22, 18, 13, 25]
    lines_table = Table(rows, colWidths=[x * mm for x in widths], repeatRows=1)
    lines_table.setStyle(
        _table_style(
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
        [[w.p(k, "right"), w.p(f"{money(v)} {quote.currency}", "right")] for k, v in sums],
        colWidths=[150 * mm, 32 * mm],
    )
    sums_table.setStyle(_table_style([("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    story.append(sums_table)
    words = total_in_words(quote)
    if words:
        story += [Spacer(1, 2 * mm), w.p(f"{_('Total in words')}: {words}", "right")]
    if quote.terms:
        story += [Spacer(1, 6 * mm), w.p(_("Terms and notes"), "small"), w.p(quote.terms)]
    story += [Spacer(1, 10 * mm), _stamp_area(w)]
    doc.build(story)
    return buffer.getvalue()
