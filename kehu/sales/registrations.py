"""What sales adds to the customers app, which does not import sales (decision 0018): leads as
an import target; leads, deals and quotes as record types with custom fields; the deals on a
company's page, and a person's deals, quotes and orders on theirs."""

from kehu.core import visibility


def company_deals(user, company) -> dict:
    """The company page's deals section: its ten latest visible deals."""
    if not visibility.can(user, "sales", "read"):
        return {}
    from kehu.sales.deals.models import Deal

    deals = Deal.objects.visible_to(user).filter(company=company)
    return {
        "deals": list(deals.select_related("stage", "owner").order_by("-updated_at", "-id")[:10]),
        "can_create_deal": visibility.can(user, "sales", "create"),
    }


#: how many of a person's deals, quotes and orders their page lists (newest first)
PERSON_SALES_SHOWN = 5


def person_sales(user, person) -> dict:
    """The person page's sales side: the deals they are on, and the quotes and orders made out
    to them, each as the user may see them (`visible_to`), newest first, a few of each."""
    if not visibility.can(user, "sales", "read"):
        return {}
    from kehu.sales.deals.models import Deal
    from kehu.sales.quotes.models import Order, Quote

    size = PERSON_SALES_SHOWN
    deals = Deal.objects.visible_to(user).filter(contacts__person=person)
    quotes = Quote.objects.visible_to(user).filter(person=person, is_latest=True)
    orders = Order.objects.visible_to(user).filter(person=person)
    return {
        "person_deals": list(deals.select_related("stage").order_by("-updated_at", "-id")[:size]),
        "person_quotes": list(quotes.order_by("-updated_at", "-id")[:size]),
        "person_orders": list(orders.order_by("-ordered_at", "-id")[:size]),
        "can_create_deal": visibility.can(user, "sales", "create"),
    }


def register_merge_movers() -> None:
    """What a merge of people or companies moves of sales: deals, deal contacts, quotes,
    orders and leads follow the surviving record (and go back on undo)."""
    from kehu.customers.duplicates import moving
    from kehu.sales.deals.models import Deal, DealContact
    from kehu.sales.leads.models import Lead
    from kehu.sales.quotes.models import Order, Quote

    moving.register_foreign_key("sales.deals", "company", Deal, "company")
    moving.register_link("sales.deal_contacts", "person", DealContact, "person", "deal")
    for kind in ("person", "company"):
        moving.register_foreign_key(f"sales.{kind}_quotes", kind, Quote, kind)
        moving.register_foreign_key(f"sales.{kind}_orders", kind, Order, kind)
        moving.register_foreign_key(f"sales.{kind}_leads", kind, Lead, kind)


def register() -> None:
    from kehu.customers import views as customer_views
    from kehu.customers.fields import services as field_services
    from kehu.customers.models import CustomField
    from kehu.sales import search_kinds
    from kehu.sales.deals.models import Deal
    from kehu.sales.leads import importing
    from kehu.sales.leads.models import Lead
    from kehu.sales.quotes.models import Quote

    importing.register()
    search_kinds.register()
    register_merge_movers()
    field_services.register_entity(CustomField.Entity.LEAD, Lead, "cf_l_")
    field_services.register_entity(CustomField.Entity.DEAL, Deal, "cf_d_")
    field_services.register_entity(CustomField.Entity.QUOTE, Quote, "cf_q_")
    if company_deals not in customer_views.COMPANY_SECTIONS:
        customer_views.COMPANY_SECTIONS.append(company_deals)
    if person_sales not in customer_views.PERSON_SECTIONS:
        customer_views.PERSON_SECTIONS.append(person_sales)
