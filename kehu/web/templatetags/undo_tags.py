"""The Undo button of a flash message (kehu/web/undo.py)."""

from django import template

from kehu.web import undo

register = template.Library()


@register.filter
def undo_token(message) -> str:
    """The undo token `message` carries, or "" (no Undo button)."""
    return undo.token_of(message)
