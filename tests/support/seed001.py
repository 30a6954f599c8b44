"""Seed 001 (Văn phòng UBND tỉnh Quảng Trị, short Công văn 194: IT use during Covid-19)
as its officer would type it into ``cong_van_ngan``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support.answer_plan import AnswerPlan

AGENCY: dict[str, Any] = {
    "name": "Văn phòng UBND tỉnh", "abbreviation": "VP", "governing_body": "UBND TỈNH QUẢNG TRỊ",
    "place": "Quảng Trị", "signer_name": "Nguyễn Cảnh Hưng", "signer_position": "CHÁNH VĂN PHÒNG",
    "signer_authority": None, "drafting_unit": "TTTH",
}
ROUND: dict[str, Any] = {
    "period_label": "trong thời gian chống dịch Covid-19", "period_start": dt.date(2020, 4, 1),
    "period_end": dt.date(2020, 4, 6), "deadline": dt.date(2020, 4, 8),
    "province": "Quảng Trị", "collector": "Sở Thông tin và Truyền thông",
}
NUMBER, ISSUED_ON = 194, dt.date(2020, 4, 7)

POINTS = [
    "Văn phòng UBND tỉnh đã chỉ đạo Trung tâm Tin học tỉnh đảm bảo hoạt động ổn định, thông suốt "
    "hệ thống các phần mềm ứng dụng, cơ sở dữ liệu dùng chung, các đường truyền mạng, hệ thống "
    "họp trực tuyến giữa UBND tỉnh với Chính phủ và Bộ ngành, với UBND các huyện, thành phố, "
    "thị xã.",
    "Thực hiện ý kiến chỉ đạo của UBND tỉnh, Văn phòng UBND tỉnh đã chỉ đạo Trung tâm Hành chính "
    "công ban hành văn bản thông báo cho người dân và doanh nghiệp biết về việc chỉ tiếp nhận hồ "
    "sơ theo hình thức trực tuyến trên Cổng dịch vụ công tỉnh Quảng Trị "
    "(dichvucong.quangtri.gov.vn) hoặc qua dịch vụ bưu chính công ích (BCCI).",
    "Văn phòng UBND tỉnh đã triển khai các hội nghị trực tuyến để giúp Lãnh đạo UBND tỉnh, Ban "
    "Chỉ đạo phòng chống dịch Covid-19 của tỉnh họp với các đơn vị, địa phương trong tỉnh.",
    "Chỉ đạo Ban Biên tập Trang thông tin điện tử tỉnh biên tập, cập nhật đầy đủ các thông tin, "
    "văn bản chỉ đạo điều hành của UBND tỉnh liên quan đến tình hình phòng chống dịch Covid-19.",
    "Toàn thể cán bộ, công chức, viên chức của Văn phòng UBND tỉnh khi được phân công làm việc "
    "tại nhà đã ứng dụng các phần mềm Quản lý văn bản và hồ sơ công việc, hệ thống thư điện tử "
    "công vụ, ứng dụng chat nhắn tin để triển khai làm việc qua môi trường mạng.",
]

PLAN = AnswerPlan(
    scalars={"van_ban_de_nghi": "Công văn số 249/STTTT-CNTT ngày 03/4/2020"},
    repeats={"noi_dung_bao_cao": [{"noi_dung": point} for point in POINTS]},
)
