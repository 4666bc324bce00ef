"""The matching rules: when two people or two companies are likely the same, how sure we are
(a score out of 100) and why (reasons in both languages). Pure functions over plain values, so
the background scan, the form warnings and the labelled test set all use the same rules."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from kehu.core import pinyin
from kehu.core.search import SURNAME_READINGS
from kehu.core.simplified import to_simplified

#: a pair scoring at least this is a likely duplicate (queue, warnings)
LIKELY = 70

#: reason code → what a user reads (both languages through the catalogue)
REASONS = {
    "same_email": _("same email"),
    "same_phone": _("same phone"),
    "same_website": _("same website"),
    "same_name_same_company": _("same name at the same company"),
    "traditional_name_same_company": _(
        "same name in traditional and simplified characters at the same company"
    ),
    "pinyin_name_same_company": _("name sounds the same (pinyin) at the same company"),
    "similar_name_same_company": _("similar name at the same company"),
    "same_company_name": _("same name without legal form or city"),
    "pinyin_company_name": _("company name sounds the same (pinyin)"),
    "similar_company_name": _("similar company name"),
}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_IS_CJK = re.compile(f"[{_CJK}]")
_WORDS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)

#: legal forms at the end of a company name, longest first (stripped again until none is left)
LEGAL_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "集团公司",
    "分公司", "公司", "集团", "company limited", "co ltd", "co limited", "limited", "ltd",
    "incorporated", "inc", "llc", "corporation", "corp", "gmbh", "company", "co", "group",
    "plc", "sa", "ag",
)  # fmt: skip
#: places a Chinese company name often starts with ("上海星辰科技" and "星辰科技" are one firm)
CITY_PREFIXES = (
    "中国", "上海", "北京", "深圳", "广州", "杭州", "南京", "苏州", "天津", "重庆", "成都",
    "武汉", "西安", "长沙", "青岛", "宁波", "厦门", "大连", "沈阳", "济南", "郑州", "合肥",
    "福州", "无锡", "东莞", "佛山", "珠海", "昆明", "香港", "台北", "澳门",
)  # fmt: skip
_SORTED_SUFFIXES = sorted(LEGAL_SUFFIXES, key=len, reverse=True)
#: what a firm does, often added or left out after its name (字节跳动 / 字节跳动科技); stripped
#: from the end once, unless nothing would be left (北京科技有限公司 has no name to compare)
INDUSTRY_WORDS = (
    "科技", "技术", "信息", "网络", "软件", "贸易", "电子商务", "电子", "实业", "投资", "控股",
    "咨询", "服务", "发展", "国际", "中国", "传媒", "文化",
)  # fmt: skip


def _fold(text: str) -> str:
    """Lower case, simplified characters, full-width forms folded (Ｌｔｄ → ltd)."""
    return to_simplified(unicodedata.normalize("NFKC", text or "")).lower()


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A person's name as compared: simplified, lower case, without spaces or punctuation."""
    return "".join(_WORDS.findall(_fold(name)))


@functools.lru_cache(maxsize=65536)
def pinyin_key(name: str, is_person: bool = True) -> str:
    """How a name sounds, as one word. A person's surname and given name (or Latin words) are
    sorted, so 张伟, 張偉, "Zhang Wei" and "Wei Zhang" share "weizhang", and 单雄信 (surname
    reading shan) and "Shan Xiongxin" share "shanxiongxin"; a company's sounds stay in order
    (星辰科技 and "Xingchen Keji": "xingchenkeji")."""
    groups: list[str] = []
    words = _WORDS.findall(_fold(name))
    for index, word in enumerate(words):
        if _IS_CJK.match(word):
            syllables = pinyin.syllables(word)
            if is_person and index == 0 and syllables:
                if word[0] in SURNAME_READINGS:
                    syllables = [SURNAME_READINGS[word[0]], *syllables[1:]]
                # a two-character surname (欧阳) is rare enough to read as surname + given
                groups.extend([syllables[0], "".join(syllables[1:])])
            else:
                groups.append("".join(syllables))
        else:
            groups.append(word)
    groups = [group for group in groups if group]
    return "".join(sorted(groups) if is_person else groups)


@functools.lru_cache(maxsize=65536)
def company_key(name: str, strip_industry: bool = True) -> str:
    """A company's name without its legal form, a leading city, brackets or punctuation:
    上海星辰科技有限公司, 星辰科技（上海）有限公司 and 星辰科技 give one key."""
    text = _fold(name)
    text = re.sub(r"[(（][^()（）]*[)）]", " ", text)  # （上海）, (China)
    words = " ".join(_WORDS.findall(text))
    changed = True
    while changed and words:
        changed = False
        for suffix in _SORTED_SUFFIXES:
            if words.endswith(suffix) and words != suffix:
                cut = words[: -len(suffix)]
                # a Latin suffix must be a whole word: "Greco" is not "Gre" + "co"
                if suffix.isascii() and cut and not cut.endswith(" "):
                    continue
                words, changed = cut.rstrip(), True
                break
    for city in CITY_PREFIXES:
        if words.startswith(city) and len(words) > len(city) + 1:
            words = words[len(city) :].lstrip()
            if words.startswith("市"):
                words = words[1:]
            break
    words = words.replace(" ", "")
    if not strip_industry:
        return words
    for word in INDUSTRY_WORDS:
        if words == word:
            return ""  # only what the firm does: no name to compare
        if words.endswith(word) and len(words) > len(word) + 1:
            words = words[: -len(word)]
            break
    return words


def website_key(url: str) -> str:
    """The host of a website, without scheme and www: https://www.Acme.com/ → acme.com."""
    host = (url or "").strip().lower().split("://")[-1].split("/")[0]
    return host.removeprefix("www.")


@dataclass
class PersonFacts:
    """What the rules compare of a person."""

    id: int | None
    name: str
    email: str = ""
    phone: str = ""
    company_id: int | None = None


@dataclass
class CompanyFacts:
    id: int | None
    name: str
    email: str = ""
    phone: str = ""
    website: str = ""


@dataclass
class Match:
    score: int
    reasons: list[str] = field(default_factory=list)

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY


def _combine(found: dict[str, int]) -> Match:
    """The strongest reason's score, plus 5 for each further reason (at most 100)."""
    if not found:
        return Match(0, [])
    ordered = sorted(found, key=lambda code: -found[code])
    score = min(100, found[ordered[0]] + 5 * (len(ordered) - 1))
    return Match(score, ordered)


def _names_alike(a: str, b: str, is_person: bool) -> tuple[str, int] | None:
    """Whether two names (of people at one company) are alike, and how strongly."""
    if not a or not b:
        return None
    if a == b:
        return "same_name_same_company", 90
    key_a, key_b = name_key(a), name_key(b)
    if key_a and key_a == key_b:
        return "traditional_name_same_company", 90
    sound_a, sound_b = pinyin_key(a, is_person), pinyin_key(b, is_person)
    if sound_a and sound_a == sound_b:
        return "pinyin_name_same_company", 80
    # Latin names one slip apart (Micheal / Michael), with the same initials (Anna / Hanna
    # are two people); Chinese names differing by one character are different people
    latin = a.isascii() and b.isascii() and len(key_a) >= 6
    if latin and _initials(a) == _initials(b) and fuzz.token_sort_ratio(a.lower(), b.lower()) >= 90:
        return "similar_name_same_company", 70
    return None


def _initials(name: str) -> list[str]:
    return sorted(word[0] for word in _WORDS.findall(name.lower()))


def match_people(a: PersonFacts, b: PersonFacts) -> Match:
    """How likely two people are one: same email, same phone, or an alike name at the same
    company."""
    found: dict[str, int] = {}
    if a.email and a.email.lower() == (b.email or "").lower():
        found["same_email"] = 95
    if a.phone and a.phone == b.phone:
        found["same_phone"] = 85
    if a.company_id and a.company_id == b.company_id:
        alike = _names_alike(a.name, b.name, is_person=True)
        if alike:
            found[alike[0]] = alike[1]
    return _combine(found)


def match_companies(a: CompanyFacts, b: CompanyFacts) -> Match:
    """How likely two companies are one: the same name once legal forms, leading cities and
    traditional characters are set aside, the same sound, or the same email, phone or site."""
    found: dict[str, int] = {}
    key_a, key_b = company_key(a.name), company_key(b.name)
    if key_a and key_a == key_b:
        found["same_company_name"] = 90
    elif key_a and key_b:
        if pinyin_key(key_a, False) == pinyin_key(key_b, False):
            found["pinyin_company_name"] = 75
        elif min(len(key_a), len(key_b)) >= 6 and fuzz.ratio(key_a, key_b) >= 92:
            found["similar_company_name"] = 70
    if a.email and a.email.lower() == (b.email or "").lower():
        found["same_email"] = 80
    if a.phone and a.phone == b.phone:
        found["same_phone"] = 75
    site_a = website_key(a.website)
    if site_a and site_a == website_key(b.website):
        found["same_website"] = 85
    return _combine(found)


def reason_labels(codes: list[str]) -> list[str]:
    """The reasons in the current language."""
    return [str(REASONS.get(code, code)) for code in codes]
