"""The seller's details printed at the top of every quote: one row, kept by administrators."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class SellerProfile(Versioned):
    """Who is selling: the company's name, address, tax number (纳税人识别号) and bank, and
    its logo. There is one row (id 1); until an administrator saves it, quotes fall back to
    `KEHU_COMPANY_NAME`. The logo is kept in the database (a few hundred KB at most), so a
    backup carries it and every app server sees it."""

    name = models.CharField(_("company name"), max_length=200, blank=True, default="")
    address = models.TextField(_("address"), max_length=500, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=50, blank=True, default="")
    tax_number = models.CharField(_("tax number"), max_length=20, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=200, blank=True, default="")
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True, default="")
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_type = models.CharField(max_length=20, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("seller details")

    def __str__(self) -> str:
        return str(_("Seller details"))
