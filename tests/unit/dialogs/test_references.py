"""Request documents, grounds and recipients as a round and an agency set them."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogs.references import (
    DocumentReferences,
    ReferencesError,
    merge_references,
    parse_references,
    parse_request,
)


def test_citation_in_decree_30_wording() -> None:
    cv = parse_request("2994/STTT-CNTTVT | 16/10/2021 | Sở Thông tin và Truyền thông | "
                       "báo cáo tình hình ứng dụng CNTT năm 2021")
    assert cv.citation() == ("Thực hiện Công văn số 2994/STTT-CNTTVT ngày 16/10/2021 của Sở "
                             "Thông tin và Truyền thông về việc báo cáo tình hình ứng dụng "
                             "CNTT năm 2021")
    kh = parse_request({"symbol": "1594/KH-UBND", "issued_on": "2021-02-09",
                        "issuer": "UBND tỉnh Đồng Nai", "subject": "chuyển đổi số năm 2021"})
    assert kh.citation() == ("Thực hiện Kế hoạch số 1594/KH-UBND ngày 09/02/2021 của UBND "
                             "tỉnh Đồng Nai chuyển đổi số năm 2021")
    qd = parse_request({"symbol": "5003/QĐ-UBND", "date": dt.date(2020, 12, 31),
                        "issuer": "UBND tỉnh"})
    assert qd.citation() == "Thực hiện Quyết định số 5003/QĐ-UBND ngày 31/12/2020 của UBND tỉnh"


@pytest.mark.parametrize("bad", [
    "2994 | hôm qua", "khong-co-gach | 16/10/2021 | Sở", "1/CV | 32/13/2021 | Sở", 42,
    {"symbol": "1/KH", "issued_on": "2021-01-01"}, {"symbol": "1/KH" * 400,
                                                     "issued_on": "2021-01-01", "issuer": "x"},
])
def test_bad_requests_are_refused_in_vietnamese(bad) -> None:
    with pytest.raises(ReferencesError) as info:
        parse_request(bad)
    assert any(ch in str(info.value) for ch in "ăâđêôơưáà")


def test_file_shapes_are_checked() -> None:
    for bad in ({"requests": "x"}, {"grounds": "một dòng"}, {"requests": [1]}, ["x"]):
        with pytest.raises(ReferencesError):
            parse_references(bad)  # type: ignore[arg-type]
    with pytest.raises(ReferencesError):
        parse_references({"recipients": [f"Nơi {i}" for i in range(50)]})


def test_defaults_and_the_agencys_own() -> None:
    template_grounds, template_recipients = ["Căn cứ mẫu"], ["Mẫu"]
    empty = DocumentReferences()
    assert empty.grounds_lines(template_grounds) == ["Căn cứ mẫu"]
    assert empty.recipient_lines(template_recipients) == ["Mẫu"]
    round_refs = parse_references({"grounds": ["- Căn cứ A;"], "recipients": ["Sở X"]})
    own = merge_references(round_refs, {"grounds": ["Căn cứ riêng\u200b"],
                                        "recipients": ["Sở Y (báo cáo)"]})
    assert own.grounds_lines(template_grounds) == ["Căn cứ A", "Căn cứ riêng"]
    assert own.recipient_lines(template_recipients) == ["Sở Y (báo cáo)"]
    assert merge_references(round_refs, {}).recipient_lines(template_recipients) == ["Sở X"]
