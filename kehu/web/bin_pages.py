"""Moving a record to the recycle bin and back: the confirmation, the message, where to go."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kehu.core import visibility
from kehu.core.access import get_visible_or_404


def delete_page(request, record, *, delete, list_url: str, nav: str):
    """GET asks for confirmation; POST moves `record` to the bin through `delete(user, record)`."""
    visibility.require_record(request.user, record, "delete")
    if request.method != "POST":
        context = {"record": record, "nav": nav}
        return render(request, "sales/confirm_delete.html", context)
    delete(request.user, record)
    messages.success(request, _("“%(name)s” is moved to the recycle bin.") % {"name": record})
    return redirect(list_url)


def restore_page(request, model, pk: int, *, restore):
    """Bring a binned record the user can see back; on to the bin or to the record."""
    record = get_visible_or_404(
        model, request.user, pk, include_bin=True, queryset=model.all_objects.in_recycle_bin()
    )
    restore(request.user, record)
    messages.success(request, _("“%(name)s” is restored.") % {"name": record})
    if request.POST.get("next") == "bin":
        return redirect("recycle-bin")
    return redirect(record.get_absolute_url())
