"""Traditional Chinese written as simplified (張偉 → 张伟), so a name typed or imported in
either form is searched and compared as one (OpenCC's `t2s` tables).

Text that is already simplified, or not Chinese at all, comes back unchanged.
"""

import functools

import opencc


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` with its traditional characters replaced by their simplified forms."""
    if not text or text.isascii():
        return text
    return str(_converter().convert(text))
