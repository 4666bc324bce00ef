"""Draw the home-screen icons (kehu/web/static/kehu/icons/kehu-192.png, kehu-512.png) with Pillow.

The favicon's design (客 in white on the brand orange) at the sizes a web app manifest asks for.
The icons are committed; run this again only to change them:
    .venv/bin/python scripts/make_app_icons.py
It needs a font with 客 (Debian's fonts-wqy-microhei).
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
BRAND = "#c2410c"
OUT = Path(__file__).resolve().parent.parent / "kehu" / "web" / "static" / "kehu" / "icons"


def draw(size: int) -> Image.Image:
    """A full-bleed square (launchers cut their own shape: "maskable"), the sign well inside
    the safe zone."""
    image = Image.new("RGB", (size, size), BRAND)
    font = ImageFont.truetype(FONT, int(size * 0.5))
    ImageDraw.Draw(image).text((size / 2, size / 2), "客", font=font, fill="#fff", anchor="mm")
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"kehu-{size}.png", optimize=True)
        print(OUT / f"kehu-{size}.png")
