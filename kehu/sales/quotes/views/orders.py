"""Order screens: the list, an order's page and its status."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.activities import timeline
from kehu.core import visibility
from kehu.core.access import get_visible_or_404
from kehu.core.records import VersionConflict
from kehu.sales.deals.queries import id_or_none
from kehu.sales.models import Order
from kehu.sales.quotes import services as quotes
from kehu.sales.quotes.views.quotes import status_and_owner
from kehu.web.pages import chosen_sort, list_page

ORDER_SORTS = ["-ordered_at", "ordered_at"]


def filter_orders(qs, params, user) -> tuple:
    """The order list's filters (status, owner), shared with its export."""
    return status_and_owner(qs, params, user, "order")


@login_required
def order_list(request):
    user = request.user
    visibility.require(user, "sales", "read")
    base = Order.objects.visible_to(user).select_related("owner", "company")
    qs, errors = filter_orders(base, request.GET, user)
    context = {
        "nav": "orders",
        "errors": errors,
        "statuses": Order.Status.choices,
        "can_export": visibility.can(user, "sales", "export"),
    }
    return list_page(
        request,
        qs,
        template="sales/orders.html",
        sort=chosen_sort(request, ORDER_SORTS),
        filter_keys=("status", "owner"),
        context=context,
        list_key="order",
        sorts=lambda sort: sort if sort in ORDER_SORTS else ORDER_SORTS[0],
        totals=("total", "currency"),
    )


@login_required
def order_detail(request, pk):
    user = request.user
    order = get_visible_or_404(
        Order, user, pk, queryset=Order.objects.select_related("quote", "deal", "company", "person")
    )
    context = {
        "nav": "orders",
        "order": order,
        "record": order,
        "lines": order.lines.all(),
        "timeline": timeline.page(order, request.GET.get("before"), kinds=["changes"]),
        "can_edit": visibility.can(user, "sales", "edit"),
        "statuses": Order.Status.choices,
    }
    return render(request, "sales/order_detail.html", context)


@login_required
@require_POST
def order_status(request, pk):
    user = request.user
    order = get_visible_or_404(Order, user, pk)
    version = id_or_none(request.POST.get("version"))
    try:
        order = quotes.set_order_status(user, order, request.POST.get("status", ""), version)
    except VersionConflict:
        messages.error(request, _("Someone changed this order meanwhile; here it is as it is now."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s is now %(status)s.") % {
            "name": order, "status": order.get_status_display()})  # fmt: skip
    return redirect(order.get_absolute_url())
