"""Kehu (客户): an open-source, bilingual CRM."""

import os

# pypinyin's full phrase list costs ~40 MB per process; kehu.core.pinyin loads the part that
# matters for toneless readings. Set before anything imports pypinyin.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

__version__ = "0.1.0"
