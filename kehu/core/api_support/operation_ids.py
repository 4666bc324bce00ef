"""Operation ids are part of the API contract (clients generate code from them).

Ninja makes them from the module a route lives in (`kehu/api.py`, `KehuAPI`); routes that
moved keep the ids they had (decision 0018).
"""

#: the module a route lives in now -> the module its operation ids were made from
OPERATION_ID_MODULES = {
    "kehu.accounts.api.teams": "kehu.accounts.api",
    "kehu.accounts.api.users": "kehu.accounts.api",
    "kehu.activities.notifications.api": "kehu.activities.api",
    "kehu.customers.api.companies": "kehu.customers.api",
    "kehu.customers.api.people": "kehu.customers.api",
    "kehu.customers.api.tags": "kehu.customers.api",
    "kehu.customers.duplicates.api": "kehu.customers.duplicates_api",
    "kehu.customers.fields.api": "kehu.customers.api",
    "kehu.mail.api": "kehu.activities.email_api",
    "kehu.mail.review.api": "kehu.activities.review_api",
    "kehu.sales.catalog.api.price_lists": "kehu.sales.quote_api",
    "kehu.sales.catalog.api.products": "kehu.sales.quote_api",
    "kehu.sales.deals.api.deals": "kehu.sales.api",
    "kehu.sales.deals.api.exchange_rates": "kehu.sales.api",
    "kehu.sales.deals.api.pipelines": "kehu.sales.api",
    "kehu.sales.forecast.api.forecast": "kehu.sales.api",
    "kehu.sales.forecast.api.targets": "kehu.sales.api",
    "kehu.sales.leads.api.leads": "kehu.sales.lead_api",
    "kehu.sales.leads.api.web_leads": "kehu.sales.lead_api",
    "kehu.sales.quotes.api.orders": "kehu.sales.quote_api",
    "kehu.sales.quotes.api.quotes": "kehu.sales.quote_api",
}


def operation_module(module: str) -> str:
    """The module name a route's operation id is made from (see OPERATION_ID_MODULES). A
    router module of an `api` package (`kehu.mail.api.templates`) keeps the ids its routes had
    in the `api.py` the package was split from (`kehu.mail.api`)."""
    if module in OPERATION_ID_MODULES:
        return OPERATION_ID_MODULES[module]
    package, _dot, _name = module.rpartition(".")
    if package.endswith(".api"):
        return OPERATION_ID_MODULES.get(package, package)
    return module
