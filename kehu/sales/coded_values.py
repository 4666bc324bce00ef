"""Rule conditions on fields whose stored values are codes (a lead's source "web", its status
"new", "has a phone" yes/no): an administrator types or reads the *label* in their language
(网站表单, 是), the rule stores the code, so a rule written in Chinese matches leads created in
English and the settings pages show no English codes to a Chinese reader."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from kehu.sales.leads.models import Lead

EMAIL_KINDS: dict[str, object] = {
    "company": gettext_lazy("company address"),
    "free": gettext_lazy("free mail address"),
    "none": gettext_lazy("no address"),
}
YES_NO: dict[str, object] = {"yes": gettext_lazy("yes"), "no": gettext_lazy("no")}


def coded_fields() -> dict[str, dict[str, object]]:
    return {
        "source": dict(Lead.Source.choices),
        "status": dict(Lead.Status.choices),
        "has_phone": YES_NO,
        "email_kind": EMAIL_KINDS,
    }


def to_code(field: str, value: str) -> str:
    """The code a typed value names: the code itself or its label in any of Kehu's languages
    (case does not matter); other values are kept as typed."""
    codes = coded_fields().get(field)
    if not codes:
        return value
    wanted = value.strip().casefold()
    for code, label in codes.items():
        if wanted == code.casefold():
            return code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if wanted == str(label).strip().casefold():
                    return code
    return value


def shown(field: str, value: str) -> str:
    """A stored condition value as the reader reads it: a code's label, else the value."""
    label = coded_fields().get(field, {}).get(value)
    return str(label) if label is not None else value


def labels(field: str) -> str:
    """The labels a field's values may be typed as, for a help text: "网站表单、推荐……"."""
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    return separator.join(str(label) for label in coded_fields()[field].values())
