"""Which font quote PDFs are set in: a freely licensed TrueType CJK font embedded as a subset
(decision 0024), so a quote prints the same on every computer; without one, the Adobe CID
font STSong-Light that PDF readers substitute (not embedded), as before.

WenQuanYi Micro Hei (Debian's `fonts-wqy-microhei`, Apache 2.0 or GPLv3 with the font
exception) is found where Debian puts it; `KEHU_PDF_FONT` names another .ttf or .ttc.
ReportLab embeds only the glyphs a PDF uses, so a quote adds tens of KB, not 5 MB.
"""

import logging
import os
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

EMBEDDED = "KehuCJK"
CID = "STSong-Light"
CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


@dataclass(frozen=True)
class PdfFonts:
    text: str  # the font for everything (embedded) or for Chinese (CID)
    latin: str  # Latin text: the same embedded font, or Helvetica beside the CID font
    embedded: bool
    path: str = ""


def font_path() -> str:
    """The CJK TrueType font file to embed, or "" when there is none."""
    configured = settings.PDF_FONT
    if configured:
        return configured if os.path.isfile(configured) else ""
    return next((path for path in CANDIDATES if os.path.isfile(path)), "")


@cache
def pdf_fonts() -> PdfFonts:
    """Registered once per process (reading a 5 MB font takes most of a second)."""
    path = font_path()
    if path:
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
        except (TTFError, OSError) as exc:
            log.warning("Cannot use %s for quote PDFs (%s); using %s", path, exc, CID)
        else:
            return PdfFonts(EMBEDDED, EMBEDDED, True, path)
    elif settings.PDF_FONT:
        log.warning("KEHU_PDF_FONT %s does not exist; using %s", settings.PDF_FONT, CID)
    pdfmetrics.registerFont(UnicodeCIDFont(CID))
    return PdfFonts(CID, "Helvetica", False)
