"""The REST API under /api/v1/ (django-ninja): one NinjaAPI, one router per resource.

Authentication: the browser session (with CSRF for unsafe methods) or `Authorization: Bearer`.
Errors: `{"detail": ...}`, plus `"errors": {field: [messages]}` for 422. See docs/api.md.
"""

from csp.decorators import csp_update
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from kehu.accounts.api.teams import teams_router
from kehu.accounts.api.users import users_router
from kehu.activities.api.activities import activities_router
from kehu.activities.api.timeline import timeline_router
from kehu.activities.notifications.api import notifications_router
from kehu.analytics.adoption.api import adoption_router
from kehu.analytics.dashboards.api import dashboards_router
from kehu.analytics.goals.api import goals_router
from kehu.analytics.metrics.api import metrics_router
from kehu.analytics.reports.api import reports_router
from kehu.analytics.roi.api import roi_router
from kehu.core.api_support import AUTH, install_error_handlers, operation_module
from kehu.core.bulk.api import bulk_router
from kehu.core.saved_views.api import views_router
from kehu.core.search.api import search_router
from kehu.customers.api.companies import companies_router
from kehu.customers.api.people import people_router
from kehu.customers.api.tags import tags_router
from kehu.customers.duplicates.api import duplicates_router
from kehu.customers.fields.api import custom_fields_router
from kehu.learning.feedback.api import feedback_router
from kehu.mail.api import email_templates_router, emails_router
from kehu.sales.catalog.api.price_lists import price_lists_router
from kehu.sales.catalog.api.products import products_router
from kehu.sales.deals.api.deals import deals_router
from kehu.sales.deals.api.exchange_rates import rates_router
from kehu.sales.deals.api.pipelines import pipelines_router
from kehu.sales.forecast.api.forecast import forecast_router
from kehu.sales.forecast.api.targets import targets_router
from kehu.sales.leads.api.leads import leads_router
from kehu.sales.leads.api.web_leads import web_leads_router
from kehu.sales.lost_reasons.api import lost_reasons_router
from kehu.sales.quotes.api.orders import orders_router
from kehu.sales.quotes.api.quotes import quotes_router
from kehu.service.categories.api import categories_router
from kehu.service.kb.api import kb_router, public_kb_router
from kehu.service.sla.api import sla_policies_router
from kehu.service.surveys.api import survey_responses_router, surveys_router
from kehu.service.tickets.api import tickets_router

DESCRIPTION = (
    "Kehu's REST API. Authenticate with your browser session or `Authorization: Bearer <token>` "
    "(make a token under Profile → API tokens, or run `kehu token USERNAME`). "
    "Lists answer `{items, next_cursor}`; pass `next_cursor` back as `?cursor=` for the next page. "
    "Changes take `If-Match` with the ETag you read and answer 412 when the record changed since."
)


class KehuAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        module = operation_module(operation.view_func.__module__)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = KehuAPI(
    title="Kehu API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    docs=Swagger(),  # "ninja" in INSTALLED_APPS: its assets come from our static files
    # Swagger UI's stylesheet draws its icons as data: SVG images; only this page allows them
    docs_decorator=csp_update({"img-src": ["data:"]}),
)
install_error_handlers(api)

api.add_router("/people", people_router)
api.add_router("/bulk", bulk_router)
api.add_router("/activities", activities_router)
api.add_router("/timeline", timeline_router)
api.add_router("/companies", companies_router)
api.add_router("/tags", tags_router)
api.add_router("/duplicates", duplicates_router)
api.add_router("/custom-fields", custom_fields_router)
api.add_router("/users", users_router)
api.add_router("/teams", teams_router)
api.add_router("/pipelines", pipelines_router)
api.add_router("/exchange-rates", rates_router)
api.add_router("/leads", leads_router)
api.add_router("/web-leads", web_leads_router)
api.add_router("/deals", deals_router)
api.add_router("/lost-reasons", lost_reasons_router)
api.add_router("/forecast", forecast_router)
api.add_router("/targets", targets_router)
api.add_router("/products", products_router)
api.add_router("/price-lists", price_lists_router)
api.add_router("/quotes", quotes_router)
api.add_router("/feedback", feedback_router)
api.add_router("/orders", orders_router)
api.add_router("/notifications", notifications_router)
api.add_router("/emails", emails_router)
api.add_router("/search", search_router)
api.add_router("/views", views_router)
api.add_router("/email-templates", email_templates_router)
api.add_router("/metrics", metrics_router)
api.add_router("/goals", goals_router)
api.add_router("/reports", reports_router)
api.add_router("/dashboards", dashboards_router)
api.add_router("/adoption", adoption_router)
api.add_router("/roi", roi_router)
api.add_router("/tickets", tickets_router)
api.add_router("/ticket-categories", categories_router)
api.add_router("/surveys", surveys_router)
api.add_router("/survey-responses", survey_responses_router)
api.add_router("/sla-policies", sla_policies_router)
api.add_router("/kb/articles", kb_router)
api.add_router("/kb/public/articles", public_kb_router)
