"""Product and price list screens: everyone in sales reads the catalogue, admins keep it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _

from kehu.accounts.services import require_admin
from kehu.core import visibility
from kehu.core.numbers import plain
from kehu.sales.catalog import services as catalog
from kehu.sales.models import PriceList, Product
from kehu.sales.quotes.forms import (
    PriceListForm,
    PriceRowFormSet,
    ProductForm,
    line_rows,
    product_choices,
)
from kehu.web.pages import list_page, setting_or_404, settings_page


@login_required
def product_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    products = Product.objects.all()
    q = (request.GET.get("q") or "").strip()[:100]
    if q:  # the catalogue is small (thousands, not millions): a scan of it is cheap
        products = products.filter(
            Q(sku__icontains=q) | Q(name__icontains=q) | Q(name_zh__icontains=q)
        )
    if request.GET.get("inactive") != "1":
        products = products.filter(active=True)
    context = {
        "nav": "products",
        "q": q,
        "inactive": request.GET.get("inactive") == "1",
        "company_currency": settings.DEFAULT_CURRENCY,
        "can_manage": user.is_admin,
    }
    return list_page(
        request, products, template="sales/products.html", sort="name", count=False,
        context=context,
    )  # fmt: skip


@login_required
def product_edit(request, pk=None):
    user = request.user
    require_admin(user)
    product = setting_or_404(Product, pk)
    initial = None
    if product is not None:
        initial = {name: getattr(product, name) for name in catalog.PRODUCT_FIELDS}
        initial["version"] = product.version
    return settings_page(
        request,
        product,
        ProductForm(request.POST or None, initial=initial),
        save=lambda form, _rows: catalog.save_product(
            user, product, form.cleaned_data, form.cleaned_data.get("version")
        ),
        template="web/record_form.html",
        done="product-list",
        context={"nav": "products", "new_title": _("New product")},
    )


@login_required
def price_list_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    lists = PriceList.objects.select_related("customer_tag").prefetch_related("items__product")
    context = {"nav": "price-lists", "price_lists": lists, "can_manage": user.is_admin}
    return render(request, "sales/price_lists.html", context)


@login_required
def price_list_edit(request, pk=None):
    user = request.user
    require_admin(user)
    price_list = setting_or_404(PriceList, pk)
    initial, rows = None, []
    if price_list is not None:
        initial = {name: getattr(price_list, name) for name in catalog.PRICE_LIST_FIELDS}
        initial["customer_tag"] = str(price_list.customer_tag_id or "")
        initial["version"] = price_list.version
        rows = [
            {
                "product": str(item.product_id),
                "min_quantity": plain(item.min_quantity),
                "unit_price": str(item.unit_price),
            }
            for item in price_list.items.all()
        ]
    current = [int(r["product"]) for r in rows]
    formset = PriceRowFormSet(
        request.POST or None,
        initial=rows,
        prefix="prices",
        form_kwargs={"products": product_choices(current)},
    )
    return settings_page(
        request,
        price_list,
        PriceListForm(request.POST or None, initial=initial),
        formset=formset,
        rows_key="items",
        save=lambda form, _rows: catalog.save_price_list(
            user,
            price_list,
            form.cleaned_data,
            line_rows(formset),
            form.cleaned_data.get("version"),
        ),
        template="sales/price_list_form.html",
        done="price-list-list",
        context={"nav": "price-lists", "new_title": _("New price list")},
    )
