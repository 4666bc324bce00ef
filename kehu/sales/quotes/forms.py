# mypy: disable-error-code="assignment, attr-defined, return-value, var-annotated"
"""Forms for products, price lists and quotes. They shape input; the services validate."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core.numbers import plain
from kehu.customers.fields.forms import CUSTOM_PREFIX, CustomFieldsForm
from kehu.customers.forms import DateInput, company_named, owner_choices, set_company_field
from kehu.customers.models import Person, Tag
from kehu.sales.deals import services
from kehu.sales.deals.queries import id_or_none
from kehu.sales.models import Product, Quote
from kehu.web.conflicts import show_service_errors

QUOTE_FIELDS = ["title", "company", "person", "currency", "valid_until", "terms", "owner"]
LINE_FIELDS = ["product", "description", "quantity", "unit_price", "discount_percent", "tax_rate"]


def product_choices(current_ids=()) -> list[tuple[str, str]]:
    """Active products (and any inactive one already on the document), SKU first."""
    products = Product.objects.filter(active=True) | Product.objects.filter(pk__in=current_ids)
    return [("", _("— free text —"))] + [
        (str(p.pk), f"{p.sku} · {p.display_name}") for p in products.order_by("sku")
    ]


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    name_zh = forms.CharField(label=_("Name (简体中文)"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="pcs",
                           help_text=_("e.g. pcs, hour, licence, 件, 套"))  # fmt: skip
    price = forms.CharField(label=_("Standard price"), max_length=20,
                            help_text=_("In the company currency, before tax; price lists can "
                                        "override it."))  # fmt: skip
    tax_rate = forms.CharField(label=_("Tax rate (%)"), max_length=10, initial="13")
    description = forms.CharField(label=_("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive products can no longer be quoted."),
    )
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    currency = forms.ChoiceField(label=_("Currency"))
    customer_tag = forms.ChoiceField(
        label=_("Customer group"),
        required=False,
        help_text=_("Only for companies with this tag; empty: for every customer."),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    #: the setting's version when the form was loaded; missing: no check
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in sorted(services.known_currencies())]
        tags = Tag.objects.order_by("name").values_list("pk", "name")
        self.fields["customer_tag"].choices = [("", _("Every customer"))] + [
            (str(pk), name) for pk, name in tags
        ]


class PriceRowForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"), required=False)
    min_quantity = forms.CharField(label=_("From quantity"), max_length=20, required=False)
    unit_price = forms.CharField(label=_("Unit price"), max_length=20, required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in ("product", "unit_price"))


PriceRowFormSet = forms.formset_factory(PriceRowForm, extra=3, max_num=500, absolute_max=500)


class QuoteForm(CustomFieldsForm):
    custom_entity = "quote"

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    company = forms.ChoiceField(label=_("Company"), required=False)
    person = forms.ChoiceField(label=_("Contact"), required=False)
    currency = forms.ChoiceField(label=_("Currency"))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput(),
                                  help_text=_("Default: 30 days from today."))  # fmt: skip
    owner = forms.ChoiceField(label=_("Owner"))
    terms = forms.CharField(label=_("Terms and notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, user, instance: Quote | None = None, deal=None, **kwargs):
        self.user, self.instance = user, instance
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            values = {
                n: getattr(instance, n) for n in ("title", "currency", "valid_until", "terms")
            }
            for name in ("company", "person", "owner"):
                value = getattr(instance, f"{name}_id")
                values[name] = str(value) if value else ""
            values["version"] = instance.version
            kwargs["initial"] = {**values, **initial}
        else:
            initial.setdefault("owner", str(user.pk))
            if deal is not None:
                initial.setdefault("title", deal.name)
                initial.setdefault("currency", deal.currency)
                initial.setdefault("company", str(deal.company_id or ""))
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in sorted(services.known_currencies())]
        self.fields["owner"].choices = owner_choices(
            user, instance.owner if instance else None, module="sales"
        )
        company = instance.company if instance is not None and instance.company_id else None
        set_company_field(self, company)
        company_id = id_or_none(self.data.get("company") if self.is_bound else None) or id_or_none(
            self.initial.get("company")
        )
        # the contacts of a company the user can see (or the quote's own): a posted id of
        # another team's company lists nothing, rather than who works there
        own = company or (deal.company if deal is not None and deal.company_id else None)
        if company_named(user, company_id, own) is None:
            company_id = None
        people = []
        if company_id:
            visible = Person.objects.visible_to(user).filter(company_id=company_id)
            people = visible.order_by("name_sort_key", "id").values_list("pk", "name")[:200]
        choices = [("", "—")] + [(str(pk), name) for pk, name in people]
        self.fields["person"].choices = choices
        if instance is None:
            del self.fields["version"]

    def service_data(self, only_changed: bool = False) -> dict:
        names = set(self.changed_data) if only_changed else set(QUOTE_FIELDS)
        data = {}
        for name in names & set(QUOTE_FIELDS):
            value = self.cleaned_data.get(name)
            if name in ("company", "person", "owner"):
                value = id_or_none(value)
            elif value is None and name != "valid_until":
                value = ""
            data[name] = value
        custom = self.custom_service_data(set(self.changed_data) if only_changed else self.fields)
        if custom:
            data["custom"] = custom
        return data

    def add_service_errors(self, exc) -> None:
        show_service_errors(self, self.custom_errors_as_fields(exc))

    def display(self, name: str, value) -> str:
        if name.startswith(CUSTOM_PREFIX):
            return self.custom_display(name, value)
        if value in (None, ""):
            return "—"
        return str(dict(getattr(self.fields[name], "choices", []) or []).get(str(value), value))


class QuoteLineForm(forms.Form):
    product = forms.ChoiceField(label=_("Product"), required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.CharField(label=_("Quantity"), max_length=20, required=False)
    unit_price = forms.CharField(label=_("Unit price"), max_length=20, required=False)
    discount_percent = forms.CharField(label=_("Discount (%)"), max_length=10, required=False)
    tax_rate = forms.CharField(label=_("Tax (%)"), max_length=10, required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in ("product", "description", "unit_price"))


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=3, max_num=200, absolute_max=200)


def line_rows(formset) -> list[dict]:
    """The filled-in rows of a lines or prices formset, as the services take them."""
    return [
        {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        for form in formset.forms
        if form.cleaned_data and not form.is_blank
    ]


def split_errors(exc: ValidationError, key: str) -> tuple[list[str], ValidationError | None]:
    """A service error's messages about the rows (under `key`), and the rest of it, if any."""
    if not hasattr(exc, "error_dict"):
        return [], exc
    errors = exc.message_dict
    rows = errors.pop(key, [])
    return rows, ValidationError(errors) if errors else None


def initial_lines(quote: Quote) -> list[dict]:
    return [
        {
            "product": str(line.product_id or ""),
            "description": line.description,
            "quantity": plain(line.quantity),
            "unit_price": str(line.unit_price),
            "discount_percent": plain(line.discount_percent),
            "tax_rate": plain(line.tax_rate),
        }
        for line in quote.lines.all()
    ]
