"""Names in any script a front door meets print on the summary PDF and come back out as text
(issue 10: Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Bengali, Gurmukhi, Chinese, Japanese, Korean).
Synthetic names only."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from datetime import datetime

import pytest

from triage_desk.reports.summary_pdf import render_summary

NAMES = {
    "Latin": "Zoë Nowak-Łukasiewicz",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Олена Коваленко",
    "Arabic": "ليلى حداد",
    "Hebrew": "שרה כהן",
    "Devanagari": "अनीता शर्मा",
    "Bengali": "রহিম উদ্দিন",
    "Gurmukhi": "ਹਰਪ੍ਰੀਤ ਕੌਰ",
    "Chinese": "王秀英",
    "Japanese": "佐藤はなこ",
    "Korean": "김민준",
}

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _document() -> dict:
    return {"reference": "TD-2026-000777", "variant": "child",
            "subjects": [{"kind": "child", "surname": "Testchild", "forenames": "Ada", "dob": "2015-03-02"}],
            "household": [{"name": name, "relationship": "relative", "parental_responsibility": "not_known"}
                          for name in NAMES.values()]}


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = unicodedata.normalize("NFKC", out.decode("utf-8"))
    return re.sub(r"[\u200e\u200f\u202a-\u202e\s]+", "", text)


@needs_pdftotext
@pytest.mark.parametrize("script", list(NAMES))
def test_household_name_extracts_as_text(pdf_text, script):
    assert re.sub(r"\s+", "", NAMES[script]) in pdf_text


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_summary(_document(), generated_by="officer1", generated_at=datetime(2026, 11, 23, 15, 5),
                          audit_head="3f" * 32)


@pytest.fixture(scope="module")
def pdf_text(pdf_bytes) -> str:
    return _text(pdf_bytes)


def test_fallback_fonts_are_embedded_only_as_subsets(pdf_bytes):
    # each script's face is embedded (never a missing-glyph box), and only as a subset: a household of
    # eleven names must not carry megabytes of CJK outlines
    for face in (b"NotoSansDevanagari", b"NotoSansBengali", b"NotoSansGurmukhi", b"DroidSansFallback",
                 b"NanumGothic"):
        assert re.search(rb"/BaseFont /[A-Z]{6}\+" + face, pdf_bytes), face
    assert len(pdf_bytes) < 400_000
