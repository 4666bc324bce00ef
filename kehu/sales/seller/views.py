"""The seller's details page (administrators) and the logo it shows."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from kehu.accounts.services import require_admin
from kehu.sales.seller import services
from kehu.sales.seller.forms import SellerForm
from kehu.web.pages import settings_page


def _save(user, seller, request):
    def save(form, _rows):
        upload = form.cleaned_data.get("logo")
        logo = None
        if upload is not None:
            # read one byte past the limit: enough to refuse a large file without reading it all
            logo = upload.read(services.LOGO_MAX_BYTES + 1)
        return services.save_seller(
            user,
            {name: form.cleaned_data.get(name, "") for name in services.FIELDS},
            logo=logo,
            remove_logo=bool(form.cleaned_data.get("remove_logo")),
            expected_version=form.cleaned_data.get("version") if seller.pk else None,
        )

    return save


@login_required
def seller_settings(request):
    user = request.user
    require_admin(user)
    seller = services.current_seller()
    initial = {name: getattr(seller, name) for name in services.FIELDS}
    initial["version"] = seller.version
    form = SellerForm(request.POST or None, request.FILES or None, initial=initial)
    return settings_page(
        request,
        seller if seller.pk else None,
        form,
        save=_save(user, seller, request),
        template="sales/seller.html",
        done="seller-settings",
        context={"nav": "seller", "heading": _("Seller details"), "seller": seller},
    )


@login_required
def seller_logo(request):
    """The logo, for the settings page and the printable quote (anyone signed in)."""
    seller = services.current_seller()
    if not seller.logo:
        raise Http404
    response = HttpResponse(bytes(seller.logo), content_type=seller.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
