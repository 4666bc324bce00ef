"""REST route for the public web form (/api/v1/web-leads): a company's own website sends the
leads its visitors leave, with no login."""

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kehu.core.api_support import ApiRequest, ErrorOut, Input, ValidationErrorOut
from kehu.sales.leads import services as leads
from kehu.sales.leads.views import visitor_address

web_leads_router = Router(tags=["leads"])
#: the public endpoint has no login, so no 401 or 403
WEB_ERRORS = {400: ErrorOut, 422: ValidationErrorOut}


class WebLeadIn(Input):
    name: str = Field(max_length=150)
    company_name: str = Field("", max_length=200)
    title: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64)
    notes: str = Field("", max_length=5000)
    website: str = Field("", max_length=200, description="Leave empty (a trap for bots).")


class WebLeadOut(Schema):
    received: bool


@web_leads_router.post(
    "",
    auth=None,
    response={201: WebLeadOut, 429: ErrorOut, **WEB_ERRORS},
    summary="Send a lead from a public web form (no login)",
    operation_id="kehu_sales_lead_api_web_lead",
    url_name="web_lead",
)
def web_lead(request: ApiRequest, payload: WebLeadIn):
    """For the company's own website: the lead goes to `KEHU_WEB_LEAD_OWNER` (or the first
    administrator). Nothing is read back. At most `KEHU_WEB_LEADS_PER_HOUR` from one address."""
    address = visitor_address(request)
    try:
        leads.create_web_lead(payload.model_dump(), address, honeypot=payload.website)
    except leads.SpamRefused as refused:
        if str(refused) == "rate":
            message = _("Too many requests from your network; try again later.")
            return Status(429, {"detail": message})
    return Status(201, {"received": True})  # a bot is told the same, and nothing is saved
