"""The ROI page, "Is the CRM paying off?" (投资回报率): outcomes before and after, side by side
with the change, and the ROI line from the saved inputs. Administrators change the inputs;
managers read the page over the records they may see."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.analytics.roi import compute, services
from kehu.analytics.roi.forms import RoiInputsForm
from kehu.core.records import VersionConflict
from kehu.web.charts import format_value

PERIOD_FIELDS = ("before_start", "before_end", "after_start", "after_end")
#: outcomes read from the deals won in a period: their cells open the deal list so filtered
WON_DEALS = ("revenue_won", "win_rate", "sales_cycle_days")


def _won_deals(period) -> str:
    query = {"status": "won", "close_from": period.start.isoformat(),
             "close_to": period.end.isoformat()}  # fmt: skip
    return f"{reverse('deal-list')}?{urlencode(query)}"


def _text(number, unit):
    return format_value(number.value, unit, settings.DEFAULT_CURRENCY)


@login_required
def roi_page(request):
    viewer = request.user
    inputs = services.current_inputs(viewer)  # PermissionDenied: 403 for a rep
    editable = services.may_change(viewer)
    form = RoiInputsForm(initial={**{f: getattr(inputs, f) for f in services.FIELDS},
                                  "version": inputs.version})  # fmt: skip
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only administrators change the ROI inputs."))
        form = RoiInputsForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.save_inputs(viewer, data, form.cleaned_data.get("version"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except VersionConflict:
                form.add_error(None, _("Someone saved the inputs since you opened this page. "
                                       "Their values are shown: enter yours again."))  # fmt: skip
                inputs = services.current_inputs(viewer)
                form = RoiInputsForm(initial={**{f: getattr(inputs, f) for f in services.FIELDS},
                                              "version": inputs.version})  # fmt: skip
                messages.error(request, _("Nothing was saved."))
            else:
                messages.success(request, _("The ROI inputs are saved."))
                query = request.GET.urlencode()
                return redirect(f"{request.path}?{query}" if query else request.path)
    chosen, period_errors = compute.periods(viewer, request.GET)
    rows, line = [], None
    if chosen is not None:
        rows = compute.comparison(viewer, chosen)
        revenue = next(r for r in rows if r.metric.key == "revenue_won")
        line = compute.roi(inputs, chosen, revenue)
    shown = [
        {"row": r, "before": _text(r.before, r.metric.unit), "after": _text(r.after, r.metric.unit),
         "change": _text(r.change, r.metric.unit),
         "before_link": _won_deals(chosen.before) if r.metric.key in WON_DEALS else "",
         "after_link": _won_deals(chosen.after) if r.metric.key in WON_DEALS else ""}
        for r in rows
        if chosen is not None
    ]  # fmt: skip
    money = settings.DEFAULT_CURRENCY
    context = {
        "nav": "roi",
        "chosen": chosen,
        "period_errors": period_errors,
        "picked": {name: request.GET.get(name, "") for name in PERIOD_FIELDS},
        "rows": shown,
        "line": line,
        "line_text": line
        and {
            "cost": format_value(line.cost, "money", money),
            "hosting": format_value(line.hosting, "money", money),
            "rate": format_value(line.hourly_rate, "money", money),
            "training": format_value(line.training, "money", money),
            "before": _text(line.revenue_before, "money"),
            "after": _text(line.revenue_after, "money"),
            "gain": _text(line.gain, "money"),
            "net": _text(line.net, "money"),
            "roi": _text(line.roi, "percent"),
        },
        "inputs": inputs,
        "form": form,
        "editable": editable,
        "currency": money,
    }
    return render(request, "analytics/roi/page.html", context)
