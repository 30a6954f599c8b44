"""The same answers give a byte-identical DOCX, whenever it is rendered: every zip
entry carries the same date instead of the clock's (python-docx's default)."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from renderers.nd30 import reproducible_zip


def _zip_dated(when: tuple[int, int, int, int, int, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("[Content_Types].xml", "word/document.xml"):
            archive.writestr(zipfile.ZipInfo(name, date_time=when), f"<x>{name}</x>" * 50)
    return out.getvalue()


def test_documents_made_at_different_times_become_identical() -> None:
    morning = _zip_dated((2026, 12, 7, 8, 0, 0))
    evening = _zip_dated((2026, 12, 7, 20, 30, 58))
    assert morning != evening
    assert reproducible_zip(morning) == reproducible_zip(evening)
    with zipfile.ZipFile(io.BytesIO(reproducible_zip(morning))) as archive:
        assert archive.testzip() is None
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("word/document.xml").startswith(b"<x>word/document.xml</x>")


def test_a_rendered_report_is_dated_1980_and_still_opens() -> None:
    from dialogs.loader import load_templates
    from renderers.report import render_report
    from tests.unit.dialogs.test_xlsform_roundtrip import PLANS, _info, answers_from

    template = load_templates()["annual_it"]
    plan, agency = PLANS["annual_it"]
    data = render_report(template, answers_from(plan, template), _info(agency, template))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert any("Sở Công Thương" in p.text for p in Document(io.BytesIO(data)).paragraphs)


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x05\x06" + b"\0" * 18])
def test_anything_else_is_returned_unchanged(data: bytes) -> None:
    assert reproducible_zip(data) == data
