"""People and companies in bulk actions (kehu/core/bulk): the rows a list's filters match,
the fields "set a field" changes, and the services each action calls."""

from django.utils.translation import gettext_lazy as _

from kehu.core.bulk import registry
from kehu.core.bulk.registry import BulkField, BulkKind
from kehu.customers import queries, services
from kehu.customers.models import Company, Person


def _matching(entity: str, model):
    def matching(user, params):
        """The visible rows the list's filters match, every match of a search (not only the
        list's first); ValidationError for a bad filter."""
        visible = model.objects.visible_to(user)
        return queries.apply_filters(visible, params, entity, user, capped=False)

    return matching


def register() -> None:
    registry.register(
        BulkKind(
            key="person",
            label=_("People"),
            model=Person,
            list_url="person-list",
            matching=_matching("person", Person),
            update=services.update_person,
            delete=services.delete_person,
            restore=services.restore_person,
            fields=(BulkField("city", _("City")),),
            has_tags=True,
            # tags: what a tag action starts from; company: what a restore looks at
            batch_reads=lambda qs: qs.select_related("company").prefetch_related("tags"),
        )
    )
    registry.register(
        BulkKind(
            key="company",
            label=_("Companies"),
            model=Company,
            list_url="company-list",
            matching=_matching("company", Company),
            update=services.update_company,
            delete=services.delete_company,
            restore=services.restore_company,
            fields=(BulkField("city", _("City")), BulkField("industry", _("Industry"))),
            has_tags=True,
            batch_reads=lambda qs: qs.prefetch_related("tags"),
        )
    )
