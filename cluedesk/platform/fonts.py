"""Font files with Chinese glyphs that PDF rendering (weasyprint, the supervision bulletins) can
name directly, and the deployment check that warns when none is installed (web/checks.py)."""

from __future__ import annotations

from pathlib import Path

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def cjk_font() -> str | None:
    """The first installed font file of the list, or None."""
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            return path
    return None
