"""Chinese readings (pinyin, without tones) for search documents and generated keys.

pypinyin reads a character by its everyday sound unless the character stands in a word of its
phrase list (重庆 chongqing, 银行 yinhang). That list holds 47,000 words and takes ~40 MB in every
process, yet only ~3,400 of its words read differently from their characters' everyday sounds
once tones are dropped, and tones are all Kehu drops. So `kehu/__init__.py` tells pypinyin to
skip the list, and the first reading here loads just those words into it. That keeps a web
worker, and an import of any size, within its memory budget.

The readings equal pypinyin's with its full list on 70,000 real names and company names. They
can differ where a dropped word overlaps a kept one (一会计: pypinyin splits 一会|计, yi hui ji;
here 一|会计, yi kuai ji), which real names rarely do.
"""

import functools
import importlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pypinyin
from django.conf import settings
from pypinyin import Style, lazy_pinyin, load_phrases_dict, pinyin
from pypinyin.constants import PHRASES_DICT
from pypinyin.style import convert as convert_style

logger = logging.getLogger(__name__)


@functools.cache  # one entry per distinct character: a few thousand at most
def _char_reading(char: str) -> str:
    """The everyday reading of one character; '' if it has none."""
    readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return readings[0] if readings else ""


@functools.cache
def readings(char: str) -> tuple[str, ...]:
    """Every reading of one character (a surname may be a heteronym), most common first."""
    return tuple(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0])


def _changes_reading(word: str, toned: list[list[str]]) -> bool:
    toneless = [convert_style(choices[0], Style.NORMAL, True) for choices in toned]
    return toneless != [_char_reading(char) for char in word]


def _needed_phrases() -> dict[str, list[list[str]]]:
    """The phrases that change a reading, picked from pypinyin's full list (~1 s, 40 MB)."""
    from pypinyin import phrases_dict as bundled

    words = bundled.phrases_dict or importlib.reload(bundled).phrases_dict  # emptied below
    needed = {word for word, toned in words.items() if _changes_reading(word, toned)}
    # pypinyin takes the longest word at each position: keep the words that hold a needed one
    # too, or 重头戏 (everyday readings) would lose to 重头 (chongtou).
    needed |= _containing(words, needed)
    bundled.phrases_dict = {}  # let the full list go
    return {word: words[word] for word in needed}


#: Part of the cache file's name: change it when the choice of phrases changes.
SELECTION_VERSION = 1
_loading = threading.Lock()


def _cached_needed_phrases() -> dict[str, list[list[str]]]:
    """`_needed_phrases`, kept in the data folder per pypinyin version, so that only the first
    process after an upgrade ever holds the full list (an import's memory budget has no room
    for it)."""
    name = f"pinyin-phrases-{pypinyin.__version__}-{SELECTION_VERSION}.json"
    path = Path(settings.DATA_DIR) / name
    try:
        found: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
        return found
    except (OSError, ValueError):
        pass
    phrases = _needed_phrases()
    try:  # written aside and renamed, so no process ever reads half a file
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as partial:
            json.dump(phrases, partial, ensure_ascii=False)
        os.replace(partial.name, path)
    except OSError as exc:  # a read-only data folder: the next process picks them again
        logger.warning("Could not keep the pinyin phrases in %s: %s", path, exc)
    return phrases


@functools.cache
def _longest_phrase() -> int:
    """Load the phrases that change a reading (once per process, whichever thread comes first),
    and return the longest one's length."""
    with _loading:
        if not PHRASES_DICT:  # pypinyin skipped its own list (PYPINYIN_NO_PHRASES)
            load_phrases_dict(_cached_needed_phrases())
    return max(map(len, PHRASES_DICT), default=1)


def prepare() -> None:
    """Load the phrases now rather than at the first name (call before a long job grows)."""
    _longest_phrase()


def _containing(words: Any, needed: set[str]) -> set[str]:
    """Words that hold a needed word inside them."""
    longest = max(map(len, needed), default=0)
    return {
        word
        for word in words
        if word not in needed
        and any(
            word[start:end] in needed
            for start in range(len(word) - 1)
            for end in range(start + 2, min(len(word), start + longest) + 1)
        )
    }


def _has_phrase(run: str) -> bool:
    """Whether any two or more characters of `run` form a word of the phrase list."""
    longest = _longest_phrase()
    size = len(run)
    for start in range(size - 1):
        for end in range(start + 2, min(size, start + longest) + 1):
            if run[start:end] in PHRASES_DICT:
                return True
    return False


def syllables(run: str) -> list[str]:
    """The readings of a run of Chinese characters, e.g. 张伟 → ['zhang', 'wei'].

    Asks pypinyin only when the run holds a word of its phrase list: elsewhere pypinyin gives
    each character's everyday reading, which a cached table answers at a fraction of the cost.
    """
    if _has_phrase(run):
        return lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    return [reading for reading in map(_char_reading, run) if reading]


def romanize(text: str) -> list[str]:
    """pypinyin's `lazy_pinyin` (other characters kept as they are), with the phrases loaded."""
    _longest_phrase()
    return lazy_pinyin(text, style=Style.NORMAL)
