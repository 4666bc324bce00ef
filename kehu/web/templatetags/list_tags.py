"""The header and cells of a list whose columns a person chooses (kehu/core/saved_views)."""

from django import template
from django.utils.safestring import SafeString

from kehu.core.saved_views import columns

register = template.Library()


@register.simple_tag(takes_context=True)
def list_header(context) -> SafeString:
    """The `<th>` of the shown columns of the list in `list_toolbar`."""
    tools = context["list_toolbar"]
    custom = context.get("list_custom_fields") or ()
    return columns.header(
        tools.list_key, tools.shown, context["sort"], context["request"].GET, custom
    )


@register.simple_tag(takes_context=True)
def list_cells(context, row) -> SafeString:
    """The `<td>` of the shown columns for `row`."""
    tools = context["list_toolbar"]
    return columns.cells(tools.list_key, tools.shown, row, context.get("list_custom_fields") or ())
