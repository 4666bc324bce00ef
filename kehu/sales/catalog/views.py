"""Product and price list screens: everyone in sales reads the catalogue, admins keep it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kehu.accounts.services import require_admin
from kehu.core import visibility
from kehu.core.numbers import plain
from kehu.core.pagination import BadCursor, paginate
from kehu.sales.catalog import services as catalog
from kehu.sales.models import PriceList, Product
from kehu.sales.quotes.forms import (
    PriceListForm,
    PriceRowFormSet,
    ProductForm,
    line_rows,
    product_choices,
    split_errors,
)
from kehu.web.conflicts import show_service_errors

PAGE_SIZE = 50


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
    cursor = request.GET.get("cursor") or None
    try:
        page = paginate(products, "name", cursor, PAGE_SIZE)
    except BadCursor:
        cursor, page = None, paginate(products, "name", None, PAGE_SIZE)
    context = {
        "nav": "products",
        "page": page,
        "rows": page.items,
        "cursor": cursor,
        "q": q,
        "inactive": request.GET.get("inactive") == "1",
        "company_currency": settings.DEFAULT_CURRENCY,
        "can_manage": user.is_admin,
    }
    return render(request, "sales/products.html", context)


@login_required
def product_edit(request, pk=None):
    user = request.user
    require_admin(user)
    product = get_object_or_404(Product, pk=pk) if pk else None
    initial = None
    if product is not None:
        initial = {name: getattr(product, name) for name in catalog.PRODUCT_FIELDS}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = catalog.save_product(user, product, form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved})
            return redirect("product-list")
    context = {"nav": "products", "form": form, "product": product}
    return render(request, "sales/product_form.html", context)


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
    price_list = get_object_or_404(PriceList, pk=pk) if pk else None
    initial, rows = None, []
    if price_list is not None:
        initial = {name: getattr(price_list, name) for name in catalog.PRICE_LIST_FIELDS}
        initial["customer_tag"] = str(price_list.customer_tag_id or "")
        rows = [
            {
                "product": str(item.product_id),
                "min_quantity": plain(item.min_quantity),
                "unit_price": str(item.unit_price),
            }
            for item in price_list.items.all()
        ]
    current = [int(r["product"]) for r in rows]
    form = PriceListForm(request.POST or None, initial=initial)
    formset = PriceRowFormSet(
        request.POST or None,
        initial=rows,
        prefix="prices",
        form_kwargs={"products": product_choices(current)},
    )
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = catalog.save_price_list(user, price_list, form.cleaned_data, line_rows(formset))
        except ValidationError as exc:
            row_errors, rest = split_errors(exc, "items")
            if rest is not None:
                show_service_errors(form, rest)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": saved.name})
            return redirect("price-list-list")
    context = {
        "nav": "price-lists",
        "form": form,
        "formset": formset,
        "price_list": price_list,
        "row_errors": row_errors,
    }
    return render(request, "sales/price_list_form.html", context)
