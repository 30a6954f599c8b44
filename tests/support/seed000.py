"""Seed 000 (Sở Công Thương Quảng Trị, Công văn 451/SCT-VP with a Phụ lục: working from
home with IT during Covid-19) as its officer would type it into ``covid_cong_van``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support.answer_plan import AnswerPlan

AGENCY: dict[str, Any] = {
    "name": "Sở Công Thương", "abbreviation": "SCT", "governing_body": "UBND TỈNH QUẢNG TRỊ",
    "place": "Quảng Trị", "signer_name": "Lê Văn Bình", "signer_position": "PHÓ GIÁM ĐỐC",
    "signer_authority": "KT. GIÁM ĐỐC", "drafting_unit": "VP",
}
ROUND: dict[str, Any] = {
    "period_label": "trong thời gian chống dịch Covid-19", "period_start": dt.date(2020, 4, 1),
    "period_end": dt.date(2020, 4, 6), "deadline": dt.date(2020, 4, 8),
    "province": "Quảng Trị", "collector": "Sở Thông tin và Truyền thông",
}
NUMBER, ISSUED_ON = 451, dt.date(2020, 4, 8)

TINH_HINH_CHUNG = (
    "Để chủ động xử lý công việc thuộc ngành Công Thương trong đợt dịch Covid-19 theo Chỉ thị số "
    "16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ; ngày 31/3/2020, Sở Công Thương đã tổ chức "
    "cuộc họp đột xuất nhằm thực hiện các biện pháp cấp bách phòng chống dịch bệnh trong thời "
    "gian cách ly toàn xã hội 15 ngày kể từ 0h00 ngày 01/4/2020, đồng thời chỉ đạo toàn thể công "
    "chức, viên chức và người lao động thuộc Sở phải thực hiện làm việc tại nhà thông qua ứng "
    "dụng CNTT, tất cả các cuộc họp tại cơ quan, đơn vị thuộc Sở phải tạm dừng; làm việc tại cơ "
    "quan chỉ bố trí 01 Lãnh đạo Sở thay phiên, nhân viên Văn thư và 01 Lãnh đạo phòng Quản lý "
    "Thương mại."
)

PLAN = AnswerPlan(
    scalars={
        "van_ban_de_nghi": "Văn bản số 249/STTTT-CNTT ngày 03/4/2020",
        "tinh_hinh_chung": TINH_HINH_CHUNG,
        "chu_ky_so": "Sở đã xây dựng Kế hoạch triển khai ứng dụng chữ ký số chuyên dùng trong "
        "hoạt động của cơ quan Sở Công Thương, giai đoạn 2017-2020 (Kế hoạch số 1885/KH-SCT ngày "
        "08/12/2017 của Sở Công Thương). Đến nay, hầu hết các văn bản của Sở ban hành đều thực "
        "hiện bằng hình thức ký số (trừ văn bản mật theo quy định).",
        "gui_nhan_van_ban": "Sở Công Thương đã triển khai thực hiện đúng theo quy định việc gửi "
        "nhận văn bản điện tử trên “Hệ thống thông tin dành cho CBCC của tỉnh” tại địa chỉ "
        "http://www.quangtri.gov.vn và “Hệ thống quản lý văn bản hồ sơ công việc” tại địa chỉ "
        "http://vb.sct.quangtri.gov.vn.",
        "ty_le_van_ban_qua_mang": "100",
        "bao_cao_nhiem_vu": "Tính đến nay, Sở chưa có nhiệm vụ nào của UBND tỉnh và Chủ tịch "
        "UBND tỉnh giao trên hệ thống hoàn thành chậm và quá hạn.",
        "thu_dien_tu": "- Việc ứng dụng hệ thống thư điện tử công vụ: tất cả các văn bản chính "
        "thống liên quan đến công việc của Sở đều được trao đổi qua hệ thống thư điện tử công vụ "
        "đã được cấp có dạng abcd@quangtri.gov.vn.\n"
        "- Sở cũng thực hiện việc trao đổi một số thông tin để biết mà không mang tính bảo mật "
        "thông qua các ứng dụng mạng xã hội như Zalo, Facebook, Gmail…",
        "hop_truc_tuyen": "Hiện tại Sở chưa có điều kiện để trang bị hệ thống hội nghị truyền "
        "hình trực tuyến riêng của Sở, mà chỉ cử cán bộ liên quan tham gia các cuộc họp trực "
        "tuyến tại UBND tỉnh cũng như các đơn vị liên quan khi có yêu cầu hoặc mời dự họp.",
        "thong_tin_website": "+ Trang Thông tin điện tử của Sở Công Thương là một trang thông tin "
        "nội bộ, cung cấp thông tin chuyên ngành.\n"
        "+ Trong đợt dịch Covid-19, Sở cũng tuyên truyền các nội dung liên quan đến dịch bệnh trên "
        "Trang Thông tin điện tử của Sở.\n"
        "+ Ngoài ra, 100% thủ tục hành chính thuộc lĩnh vực quản lý của Sở Công Thương được công "
        "khai trên Trang Thông tin điện tử của Sở cũng như Cổng dịch vụ công trực tuyến của tỉnh.",
        "so_dvc_muc_cao": "21",
        "so_ho_so_muc_cao": "706",
        "dvc_tinh_hinh": "Đặc biệt trong đợt dịch Covid-19 này, tổ chức, cá nhân nộp trực tuyến "
        "trên hệ thống Cổng Dịch vụ công tỉnh tăng; Sở đã chỉ đạo cán bộ một cửa và cán bộ chuyên "
        "môn các phòng xử lý hồ sơ trên hệ thống mạng tại nhà.",
        "han_che_ha_tang": "+ Không phải 100% công chức, viên chức, người lao động ở nhà đều có "
        "thiết bị CNTT nối mạng (như máy tính để bàn, máy tính bảng, máy tính xách tay…).\n"
        "+ Cơ sở dữ liệu cứng, mềm hầu như đều lưu trữ trên máy tính cá nhân tại Sở nên việc đến "
        "cơ quan trong đợt dịch để phục vụ báo cáo là không thể không có.",
        "han_che_phan_mem": "Các phần mềm được sử dụng thường xuyên: Chữ ký số chuyên dùng; Hệ "
        "thống gửi, nhận văn bản qua mạng; Hệ thống thư điện tử công vụ; Cổng dịch vụ công trực "
        "tuyến tỉnh, phần mềm Một cửa điện tử.",
        "so_cbccvc": "40",
        "han_che_nhan_luc": "Hầu hết cán bộ công chức, viên chức và người lao động thuộc Sở đều "
        "sử dụng, ứng dụng được CNTT để xử lý công việc tại nhà trong thời gian cách ly toàn xã "
        "hội.",
    },
)
