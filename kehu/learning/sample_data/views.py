"""Start the sample-data load (administrators) and follow it (htmx polls the status)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kehu.accounts.services import require_admin
from kehu.learning.models import SampleDataLoad
from kehu.learning.sample_data import services


@login_required
@require_POST
def sample_data_load(request):
    try:
        load = services.start_load(request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("home")
    return redirect("sample-data-status", pk=load.pk)


@login_required
def sample_data_status(request, pk):
    require_admin(request.user)
    load = get_object_or_404(SampleDataLoad, pk=pk)
    template = (
        "learning/_sample_data_status.html" if request.htmx else "learning/sample_data_status.html"
    )
    return render(request, template, {"load": load, "nav": "sample-data"})
