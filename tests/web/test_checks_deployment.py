"""The deployment checks of issue 21, item 5, shown by every `cluedesk` command: demo mode beside
secure mode, secure mode without a public site URL, and no font with Chinese glyphs for the PDF
bulletins."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from cluedesk.web import checks


def _secure(settings) -> None:
    settings.SECURE = True
    settings.DEMO = False
    settings.SITE_URL = "https://jubao.example.org"
    settings.CSRF_TRUSTED_ORIGINS = ["https://jubao.example.org"]
    settings.ALLOWED_HOSTS = ["jubao.example.org"]


def _ids() -> set[str]:
    return {w.id for w in checks.secure_deployment()}


def test_demo_mode_in_a_secure_deployment_is_warned(settings) -> None:
    _secure(settings)
    assert _ids() == set()
    settings.DEMO = True
    assert _ids() == {"cluedesk.W003"}
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "cluedesk.W003" in err.getvalue() and "CLUEDESK_DEMO=0" in err.getvalue()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://jubao.example.org", "https://localhost"])
def test_a_secure_deployment_without_its_public_site_url_is_warned(settings, url: str) -> None:
    _secure(settings)
    settings.SITE_URL = url
    assert _ids() == {"cluedesk.W004"}
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "cluedesk.W004" in err.getvalue() and "CLUEDESK_SITE_URL" in err.getvalue()


def test_a_laptop_in_demo_mode_is_quiet(settings) -> None:
    settings.SECURE = False
    settings.DEMO = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert _ids() == set()


def _fc_list(folder: Path, families: str) -> None:
    """A stand-in for fontconfig's fc-list that knows these font families (one per line)."""
    script = folder / "fc-list"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{families}'\n")
    script.chmod(0o755)


def test_no_font_with_chinese_glyphs_is_warned(settings, tmp_path: Path, monkeypatch) -> None:
    _fc_list(tmp_path, "")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(checks, "CJK_FONT_FILES", (str(tmp_path / "wqy-microhei.ttc"),))
    assert checks.cjk_fonts() == []
    assert [w.id for w in checks.pdf_fonts()] == ["cluedesk.W005"]
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "cluedesk.W005" in err.getvalue() and "fonts-wqy-microhei" in err.getvalue()
    (tmp_path / "wqy-microhei.ttc").write_bytes(b"")  # the template's font file, without fontconfig's word
    assert checks.pdf_fonts() == []


def test_a_font_fontconfig_finds_for_chinese_is_enough(settings, tmp_path: Path, monkeypatch) -> None:
    _fc_list(tmp_path, "WenQuanYi Micro Hei,文泉驿微米黑\n")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(checks, "CJK_FONT_FILES", ())
    assert checks.cjk_fonts() == ["WenQuanYi Micro Hei,文泉驿微米黑"]
    assert checks.pdf_fonts() == []
