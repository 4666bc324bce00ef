"""Sort keys for names: Chinese by pinyin, Latin letters alphabetically, beside each other.

A list sorted by name reads a stored key column (`name_sort_key`), not the name, so that keyset
pages (decision 0004) walk an index in the order a Chinese reader expects: 阿里巴巴 (a li ba ba)
before 张伟 (zhang wei), 李娜 next to "Li Na", 張偉 with 张伟. Decision 0020 sets out the order.
"""

import re
import unicodedata
from typing import Any

from django.db import models

from kehu.core import pinyin
from kehu.core.simplified import to_simplified
from kehu.core.text import CONTROL_CHARACTERS

#: the reading part of a key stops here; the written name after it only breaks ties
READING_LENGTH = 200
TIE_BREAK_LENGTH = 50
KEY_LENGTH = READING_LENGTH + 1 + TIE_BREAK_LENGTH
#: below every character a reading holds (" ", digits, letters), so "li na" + tie-break sorts
#: before "li na xu": a longer reading never slips in between two equal ones
TIE_BREAK = "\x1f"
#: names with nothing to read (only symbols or emoji) sort after every letter
NOTHING_TO_READ = "~"
#: digit runs are zero-padded to this width so that "2" sorts before "10"
NUMBER_WIDTH = 10

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PARTS = re.compile(rf"(?P<han>[{_CJK}]+)|(?P<digits>\d+)|(?P<letters>[^\W\d_{_CJK}]+)")

# Surnames that pypinyin reads with their everyday sound (单 dan, 曾 ceng …): the readings a
# name takes. The same table as the search index's (`kehu.core.search.SURNAME_READINGS`),
# read lazily so that this module stays importable by the search module's users.


def _surname_readings() -> dict[str, str]:
    from kehu.core.search import SURNAME_READINGS

    return SURNAME_READINGS


def _han_syllables(run: str, surname_first: bool) -> list[str]:
    syllables = pinyin.syllables(run)
    if len(syllables) != len(run):  # a character without a reading keeps its own place
        syllables = [_char_sound(char) for char in run]
    if surname_first:
        surname = _surname_readings().get(run[0])
        if surname:
            syllables[0] = surname
    return syllables


def _char_sound(char: str) -> str:
    try:
        return pinyin.readings(char)[0]
    except IndexError:  # pypinyin knows no reading for it
        return char


def _plain_letters(run: str) -> str:
    """Letters without accents (é → e), so "Émile" sorts with "Emile"."""
    decomposed = unicodedata.normalize("NFKD", run)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_reading(name: str, person: bool = False) -> str:
    """The reading a name sorts by: pinyin syllables, words and zero-padded numbers, lower
    case, separated by spaces (张伟 → "zhang wei", "Li Na" → "li na", "3M" → "0000000003 m").

    `person`: a person's name, whose first character is read as a surname (曾 zeng, 单 shan).
    """
    text = to_simplified(unicodedata.normalize("NFKC", name or "")).casefold()
    words: list[str] = []
    for match in _PARTS.finditer(text):
        han, digits, letters = match.group("han", "digits", "letters")
        if han:
            words.extend(_han_syllables(han, surname_first=person and not words))
        elif digits:
            words.append((digits.lstrip("0") or "0").zfill(NUMBER_WIDTH))
        else:
            words.append(_plain_letters(letters))
    return " ".join(words)


def name_sort_key(name: str, person: bool = False) -> str:
    """The stored key a record sorts by: its name's reading, then (after TIE_BREAK) the name
    itself in simplified lower case, so equal readings keep one written form together."""
    reading = name_reading(name, person)[:READING_LENGTH].rstrip()
    written = to_simplified(unicodedata.normalize("NFKC", name or "")).casefold()
    written = CONTROL_CHARACTERS.sub("", written).strip()
    if not reading:
        reading = NOTHING_TO_READ
    return f"{reading}{TIE_BREAK}{written[:TIE_BREAK_LENGTH]}"


class SortKeyField(models.TextField):  # type: ignore[type-arg]
    """A NOT NULL key column compared byte by byte on every database.

    PostgreSQL would otherwise compare it with the database's collation, which (in most
    locales) skips spaces and the tie-break mark and would order keys unlike SQLite: the "C"
    collation compares code points, as SQLite's default does. A text field, not a CharField:
    its tie-break mark is a control character, which one-line fields refuse (core/text.py);
    `name_sort_key` bounds its length.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def sort_column(model: type[models.Model], sort: str) -> str:
    """The column a `sort` of `model` reads: `name` becomes the stored key where the model
    has one (`Model.sorted_by_key`), anything else stays itself."""
    columns: dict[str, str] = getattr(model, "sorted_by_key", {})
    return columns.get(sort, sort)
