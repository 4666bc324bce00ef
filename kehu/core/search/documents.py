"""Search documents and queries: how a name, an email or a phone number becomes tokens.

Each searchable record keeps a `search_text` column: space-separated tokens made from its
names (characters, bigrams, pinyin syllables, joined pinyin, initials), emails and phones. A
query is split the same way, and every query token must match a document token as a prefix.
"""

import functools
import re

from kehu.core import pinyin
from kehu.core.simplified import to_simplified

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")

# Surnames that pypinyin reads with their everyday (not surname) sound.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "朴": "piao", "区": "ou", "仇": "qiu",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "召": "shao",
    "种": "chong", "折": "she", "翟": "zhai", "尉": "yu", "长": "chang", "秘": "bi",
}  # fmt: skip
MAX_TOKENS = 120
#: runs of initials indexed from at most this many syllables after the first
MAX_INITIAL_STARTS = 8


def _pinyin_variants(run: str, is_person_name: bool) -> list[list[str]]:
    """Readings of a CJK run; for a person's name, the surname reading comes first."""
    syllables = pinyin.syllables(run)
    variants = [syllables]
    if is_person_name and run[0] in SURNAME_READINGS and syllables:
        variants.insert(0, [SURNAME_READINGS[run[0]], *syllables[1:]])
    elif is_person_name and syllables:
        # also index the other readings of the first character (a surname may be a heteronym)
        for reading in pinyin.readings(run[0])[:3]:
            if reading != syllables[0]:
                variants.append([reading, *syllables[1:]])
    return [v for v in variants if v]


def name_tokens(text: str, is_person_name: bool = False, every_initial: bool = True) -> list[str]:
    """Tokens that let a name be found by characters, pinyin (full, spaced) and initials.

    Traditional characters are written as simplified (張偉 → 张伟), as queries are, so either
    form finds the other. Initials start at every syllable, so 上海星辰科技 is found by "xckj"
    as well as "shxc" (a name of n syllables adds up to n - 2 short tokens, at most
    MAX_INITIAL_STARTS). A name that only describes the record (a person's company) passes
    `every_initial=False`: a million people need not hold their companies' runs of initials.
    """
    simplified = to_simplified((text or "").lower())
    return list(_name_tokens(simplified, is_person_name, every_initial))


@functools.lru_cache(maxsize=4096)  # names repeat a lot in imports; bounded to a few MB
def _name_tokens(text: str, is_person_name: bool, every_initial: bool) -> tuple[str, ...]:
    tokens: list[str] = []
    runs = _RUNS.findall(text)
    joined_variants: list[list[str]] = [[]]
    for run in runs:
        if _IS_CJK.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            variants = _pinyin_variants(run, is_person_name and run is runs[0])
            for syllables in variants:
                tokens.extend(syllables)
            if variants:
                joined_variants = [jv + v for jv in joined_variants for v in variants][:4]
        else:
            tokens.append(run)
            joined_variants = [jv + [run] for jv in joined_variants]
    if any(_IS_CJK.match(r) for r in runs):
        for parts in joined_variants:
            tokens.append("".join(parts))
            initials = "".join(p[0] for p in parts if p)
            tokens.append(initials)
            if every_initial:  # one letter is already the start of a syllable token
                ends = min(len(initials) - 1, MAX_INITIAL_STARTS + 1)
                tokens.extend(initials[i:] for i in range(1, ends))
    return tuple(tokens)


def plain_tokens(text: str) -> list[str]:
    """Words of an email, website or other text, split at punctuation."""
    return _RUNS.findall((text or "").lower())


def phone_tokens(e164: str, national: str = "") -> list[str]:
    digits = re.sub(r"\D", "", e164 or "")
    if not digits:
        return []
    tokens = [digits]
    national_digits = re.sub(r"\D", "", national or "")
    if national_digits and national_digits != digits:
        tokens.append(national_digits)
    tokens.append(digits[-4:])
    return tokens


def build_document(*groups: list[str]) -> str:
    """Join token lists into the `search_text` value, without repeats."""
    seen: dict[str, None] = {}
    for group in groups:
        for token in group:
            if token:
                seen.setdefault(token, None)
    return " ".join(list(seen)[:MAX_TOKENS])


def query_tokens(query: str) -> list[str]:
    """Tokens a user's query must all match (as prefixes); traditional characters are read as
    simplified, as documents are."""
    query = to_simplified((query or "").strip().lower())
    if not query:
        return []
    compact = re.sub(r"[\s()+\-.]", "", query)
    if compact.isdigit() and len(compact) >= 3:
        return [compact]
    tokens: list[str] = []
    for run in _RUNS.findall(query):
        if _IS_CJK.match(run) and len(run) > 1:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return list(dict.fromkeys(tokens))[:12]


def is_whole_token(token: str) -> bool:
    """CJK query tokens are characters and bigrams, which the indexes hold as whole tokens."""
    return bool(_IS_CJK.match(token))
