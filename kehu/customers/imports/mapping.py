"""Which column is which field: the fields each import target offers, their labels, and the
mapping guessed from a file's header row (in English or Chinese) and checked before a run."""

import re

from django.utils.translation import gettext as _

from kehu.customers.fields.values import active_fields
from kehu.customers.imports import targets
from kehu.customers.models import CustomField

CUSTOM = "custom."
IGNORE = ""

PERSON_FIELDS = targets.PERSON_FIELDS
COMPANY_FIELDS = targets.COMPANY_FIELDS
TEXT_FIELDS = {"title", "city", "address", "industry"}

# Header names (lower-case, without spaces, dashes or underscores) each field is guessed from.
_ALIASES = {
    "name": ["name", "fullname", "contact", "contactname", "customer", "customername", "姓名",
             "名称", "名字", "联系人", "客户", "客户名称", "客户姓名"],
    "email": ["email", "mail", "emailaddress", "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址"],
    "phone": ["phone", "mobile", "tel", "telephone", "cell", "cellphone", "phonenumber",
              "mobilephone", "mobilenumber", "电话", "手机", "手机号", "手机号码", "电话号码",
              "联系电话", "联系方式"],
    "title": ["title", "jobtitle", "position", "role", "职位", "职务", "头衔", "岗位"],
    "company": ["company", "companyname", "organization", "organisation", "employer", "account",
                "公司", "公司名称", "单位", "企业", "所属公司", "工作单位"],
    "city": ["city", "town", "城市", "所在城市", "所在地"],
    "address": ["address", "street", "streetaddress", "地址", "详细地址", "联系地址", "通讯地址"],
    "notes": ["notes", "note", "comments", "comment", "remarks", "remark", "description",
              "background", "备注", "说明", "描述", "简介", "背景"],
    "tags": ["tags", "tag", "labels", "label", "标签"],
    "birthday": ["birthday", "birthdate", "dateofbirth", "dob", "生日", "出生日期"],
    "owner": ["owner", "ownerusername", "assignedto", "负责人", "所有者", "归属人", "跟进人"],
    "website": ["website", "web", "url", "site", "homepage", "网站", "网址", "官网", "主页"],
    "industry": ["industry", "sector", "行业", "所属行业"],
    "company_name": ["company", "companyname", "organization", "organisation", "account",
                     "公司", "公司名称", "单位", "企业", "企业名称"],
    "region": ["region", "area", "territory", "province", "state", "地区", "区域", "大区", "省份"],
    "source": ["source", "leadsource", "channel", "来源", "线索来源", "渠道", "获取渠道"],
    "product_interest": ["product", "productinterest", "interest", "sku", "意向产品", "产品",
                         "感兴趣的产品"],
    "next_step": ["nextstep", "nextaction", "followup", "下一步", "跟进计划", "下一步行动"],
    "next_step_due": ["nextstepdue", "due", "duedate", "followupdate", "跟进日期", "下次跟进",
                      "下次跟进日期"],
}  # fmt: skip
# For a company import, the company's own name is the record's name.
_COMPANY_NAME_ALIASES = ["company", "companyname", "organization", "organisation", "account",
                         "公司", "公司名称", "企业", "企业名称", "单位", "单位名称"]  # fmt: skip


def model_for(entity: str):
    return targets.get(entity).model()


def base_fields(entity: str) -> list[str]:
    return targets.get(entity).fields


def field_label(entity: str, name: str, definitions: dict | None = None) -> str:
    if name.startswith(CUSTOM):
        definition = (definitions or {}).get(name[len(CUSTOM) :])
        return definition.display_label if definition else name[len(CUSTOM) :]
    if name == "owner":
        return _("owner (username)")
    if name == "company":
        return _("company (by name)")
    label = targets.get(entity).labels.get(name)
    if label is not None:
        return str(label)
    return str(model_for(entity)._meta.get_field(name).verbose_name)


def field_choices(entity: str, definitions: list[CustomField] | None = None) -> list:
    """(value, label) pairs for the mapping select of one column, "ignore" first."""
    definitions = active_fields(entity) if definitions is None else definitions
    choices = [(IGNORE, _("— ignore —"))]
    choices += [(name, field_label(entity, name)) for name in base_fields(entity)]
    choices += [(CUSTOM + d.key, d.display_label) for d in definitions]
    return choices


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-:：*（）()]+", "", (text or "").lower())


def guess_mapping(headers: list[str], entity: str, definitions: list[CustomField]) -> list[str]:
    """A Kehu field per column, guessed from English and Chinese header names; each used once."""
    aliases: dict[str, str] = {}
    for d in definitions:
        for text in (d.key, d.label, d.label_zh):
            if text:
                aliases.setdefault(_header_key(text), CUSTOM + d.key)
    if entity == "company":
        for alias in _COMPANY_NAME_ALIASES:
            aliases.setdefault(alias, "name")
    allowed = set(base_fields(entity))
    for name, words in _ALIASES.items():
        if name in allowed:
            for word in words:
                aliases.setdefault(word, name)
    used: set[str] = set()
    mapping = []
    for header in headers:
        guess = aliases.get(_header_key(header), IGNORE)
        if guess in used:
            guess = IGNORE
        used.add(guess)
        mapping.append(guess)
    return mapping


def check_mapping(mapping: list[str], entity: str, definitions: list[CustomField]) -> list[str]:
    """Problems with a mapping that would make every row fail (shown before importing)."""
    problems = []
    allowed = set(base_fields(entity)) | {CUSTOM + d.key for d in definitions}
    chosen = [m for m in mapping if m != IGNORE]
    unknown = [m for m in chosen if m not in allowed]
    if unknown:
        problems.append(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    twice = sorted({m for m in chosen if chosen.count(m) > 1})
    if twice:
        labels = ", ".join(field_label(entity, m, {d.key: d for d in definitions}) for m in twice)
        problems.append(_("Each field can be chosen for one column only: %(f)s.") % {"f": labels})
    if "name" not in chosen:
        problems.append(_("Choose the column that holds the name."))
    for d in definitions:
        if d.required and CUSTOM + d.key not in chosen:
            problems.append(
                _("“%(label)s” is required: choose the column that holds it.")
                % {"label": d.display_label}
            )
    return problems
