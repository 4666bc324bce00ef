"""Quote and order screens, one module each (`quotes`, `orders`)."""

from kehu.sales.quotes.views.orders import filter_orders, order_detail, order_list, order_status
from kehu.sales.quotes.views.quotes import (
    filter_quotes,
    quote_accept,
    quote_create,
    quote_delete,
    quote_detail,
    quote_edit,
    quote_lines_preview,
    quote_list,
    quote_pdf_download,
    quote_print,
    quote_reject,
    quote_restore,
    quote_revise,
    quote_send,
)

__all__ = [
    "filter_orders", "filter_quotes", "order_detail", "order_list", "order_status",
    "quote_accept", "quote_create", "quote_delete", "quote_detail", "quote_edit",
    "quote_lines_preview", "quote_list", "quote_pdf_download", "quote_print", "quote_reject",
    "quote_restore", "quote_revise", "quote_send",
]  # fmt: skip
