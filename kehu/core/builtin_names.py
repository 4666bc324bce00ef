"""Names of the rows Kehu creates itself — the default roles, the first pipeline and its
stages — shown in the reader's language.

Such a row carries a stable `key` ("administrator", "won" …). While it still has the name Kehu
gave it, the page shows that name from the translation catalogue, so a Chinese reader sees 管理员
and an English one "Administrator" from one stored row. Once an administrator renames it, the
row shows exactly what they wrote: their words, in the language they wrote them in.
"""

from django.utils.translation import gettext, gettext_noop

#: key → (English name as stored at installation, its Chinese name as stored, if any)
ROLES: dict[str, tuple[str, str]] = {
    "administrator": (gettext_noop("Administrator"), ""),
    "manager": (gettext_noop("Manager"), ""),
    "sales_rep": (gettext_noop("Sales rep"), ""),
    "read_only": (gettext_noop("Read-only"), ""),
    "support_agent": (gettext_noop("Support agent"), ""),
    "support_lead": (gettext_noop("Support lead"), ""),
}
PIPELINES: dict[str, tuple[str, str]] = {
    "new_business": (gettext_noop("New business"), "新客户开发"),
}
STAGES: dict[str, tuple[str, str]] = {
    "qualification": (gettext_noop("Qualification"), "需求确认"),
    "proposal": (gettext_noop("Proposal"), "方案报价"),
    "negotiation": (gettext_noop("Negotiation"), "商务谈判"),
    "won": (gettext_noop("Won"), "赢单"),
    "lost": (gettext_noop("Lost"), "丢单"),
}


def builtin_name(
    table: dict[str, tuple[str, str]], key: str, name: str, name_zh: str = ""
) -> str | None:
    """The built-in row's name in the active language, or None when the row is not built in
    or has been renamed (in either language) since installation."""
    if not key or key not in table:
        return None
    english, chinese = table[key]
    if name != english or name_zh not in ("", chinese):
        return None
    return gettext(english)
