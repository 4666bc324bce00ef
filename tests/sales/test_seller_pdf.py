"""The seller's details (Settings → Seller details) and the quote PDF they head: the logo
checked, the version kept, the PDF with both parties, the total in Chinese capitals for CNY,
a stamp area, and an embedded subset of a CJK font whose text can be extracted."""

import io
import time

import pypdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kehu.core.models import AuditEntry
from kehu.core.records import VersionConflict
from kehu.sales.models import SellerProfile
from kehu.sales.quotes import fonts
from kehu.sales.quotes.pdf import quote_pdf
from kehu.sales.seller import services as seller
from tests.sales.test_quotes import pdf_text, two_product_quote

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "上海星辰科技有限公司",
    "address": "上海市浦东新区张江路 88 号",
    "phone": "021-5080 1234",
    "tax_number": "91310115MA1K4ABC2X",
    "bank_name": "招商银行上海张江支行",
    "bank_account": "1219 0123 4567 890",
}


def image_bytes(kind="PNG", size=(120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def test_admins_keep_the_seller_details_with_a_version_and_history(admin_user, rep):
    with pytest.raises(PermissionDenied):
        seller.save_seller(rep, DETAILS)
    saved = seller.save_seller(admin_user, DETAILS, logo=image_bytes())
    assert saved.version == 1 and saved.logo_type == "image/png"
    again = seller.save_seller(admin_user, {**DETAILS, "phone": "021-1"}, expected_version=1)
    assert again.version == 2
    assert (
        seller.save_seller(admin_user, {**DETAILS, "phone": "021-1"}, expected_version=2).version
        == 2
    )
    with pytest.raises(VersionConflict):
        seller.save_seller(admin_user, {**DETAILS, "phone": "021-2"}, expected_version=1)
    assert SellerProfile.objects.get().phone == "021-1"
    assert AuditEntry.objects.filter(object_id=saved.pk, action="update").count() == 1


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (b"GIF89a not really", "PNG or JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG or JPEG"),
        (b"%PDF-1.4", "PNG or JPEG"),
        ("gif", "PNG or JPEG"),
        ("huge", "2000"),
        ("heavy", "512 KB"),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(admin_user, logo, message):
    if logo == "gif":
        logo = image_bytes("GIF")
    elif logo == "huge":
        logo = image_bytes("PNG", (2400, 10))
    elif logo == "heavy":
        logo = b"\x89PNG" + b"0" * (600 * 1024)
    with pytest.raises(ValidationError) as caught:
        seller.save_seller(admin_user, DETAILS, logo=logo)
    assert message in " ".join(caught.value.message_dict["logo"])
    assert not SellerProfile.objects.exists()  # nothing saved


@pytest.mark.parametrize(
    ("field", "value"),
    [("tax_number", "123"), ("tax_number", "91310115MA1K4ABC2!"), ("bank_account", "ABC-1"),
     ("name", "两行\n名字")],
)  # fmt: skip
def test_bad_details_are_refused(admin_user, field, value):
    with pytest.raises(ValidationError) as caught:
        seller.save_seller(admin_user, {**DETAILS, field: value})
    assert field in caught.value.message_dict
    assert not SellerProfile.objects.exists()


def test_the_settings_page_saves_and_refuses_a_bad_logo_clearly(client, admin_user, rep):
    client.force_login(rep)
    assert client.get(reverse("seller-settings")).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("seller-settings"))
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    bad = SimpleUploadedFile("logo.png", b"MZ\x90\x00 an exe", content_type="image/png")
    response = client.post(reverse("seller-settings"), {**DETAILS, "logo": bad})
    assert response.status_code == 200
    assert "PNG or JPEG" in response.content.decode()
    assert not SellerProfile.objects.exists()
    good = SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    response = client.post(reverse("seller-settings"), {**DETAILS, "logo": good, "version": "1"})
    assert response.status_code == 302
    logo = client.get(reverse("seller-logo"))
    assert logo["Content-Type"] == "image/jpeg" and logo.content.startswith(b"\xff\xd8")
    stale = client.post(reverse("seller-settings"), {**DETAILS, "name": "别的名字", "version": "0"})
    assert stale.status_code in (200, 409)
    assert SellerProfile.objects.get().name == DETAILS["name"]


def _fonts_in(data: bytes) -> list[dict]:
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get(
                "/FontDescriptor"
            )
            found.append({"name": str(font["/BaseFont"]),
                          "descriptor": descriptor.get_object() if descriptor else {}})  # fmt: skip
    return found


@pytest.mark.skipif(not fonts.font_path(), reason="no CJK TrueType font (fonts-wqy-microhei)")
def test_the_pdf_embeds_a_cjk_font_subset_and_carries_both_parties(admin_user, rep):
    seller.save_seller(admin_user, DETAILS, logo=image_bytes())
    quote, _deal = two_product_quote(admin_user, rep)
    started = time.perf_counter()
    data = quote_pdf(quote)
    elapsed = time.perf_counter() - started
    embedded = _fonts_in(data)
    assert embedded and all("/FontFile2" in f["descriptor"] for f in embedded), embedded
    # a subset: its name carries the six-letter tag (AAAAAA+…), and the file is small
    assert all("+" in f["name"] for f in embedded)
    assert len(data) < 200_000, len(data)
    assert elapsed < 5, elapsed
    text = pdf_text(data)
    for part in [DETAILS["name"], DETAILS["tax_number"], "招商银行上海张江支行",
                 "北京云杉科技有限公司", quote.number, "25,169.95",
                 "人民币贰万伍仟壹佰陆拾玖元玖角伍分"]:  # fmt: skip
        assert part in text, part
    assert "stamp and signature" in text


def test_the_total_in_capitals_only_for_cny(admin_user, rep):
    from kehu.sales.quotes.pdf import total_in_words

    quote, _deal = two_product_quote(admin_user, rep)
    assert total_in_words(quote) == "人民币贰万伍仟壹佰陆拾玖元玖角伍分"
    quote.currency = "USD"
    assert total_in_words(quote) == ""


def test_without_a_font_file_the_pdf_falls_back_to_the_reader_font(admin_user, rep, settings):
    settings.PDF_FONT = "/nonexistent/font.ttf"
    fonts.pdf_fonts.cache_clear()
    try:
        quote, _deal = two_product_quote(admin_user, rep)
        data = quote_pdf(quote)
        assert "北京云杉科技有限公司" in pdf_text(data)
        assert not any("/FontFile2" in f["descriptor"] for f in _fonts_in(data))
    finally:
        fonts.pdf_fonts.cache_clear()
