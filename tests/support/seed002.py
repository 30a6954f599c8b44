"""Seed 002 (Sở Công Thương Đồng Nai, 3-year review of Directive 02/CT-TTg on digital
signatures) as its officer would type it into ``ct02_chu_ky_so``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support.answer_plan import AnswerPlan

AGENCY: dict[str, Any] = {
    "name": "Sở Công Thương", "abbreviation": "SCT", "governing_body": "UBND TỈNH ĐỒNG NAI",
    "place": "Đồng Nai", "signer_name": "Nguyễn Trí Phương", "signer_position": "PHÓ GIÁM ĐỐC",
    "signer_authority": "KT. GIÁM ĐỐC", "drafting_unit": "VP",
}
ROUND: dict[str, Any] = {
    "period_label": "03 năm", "period_start": dt.date(2019, 1, 23),
    "period_end": dt.date(2021, 12, 14), "deadline": dt.date(2021, 12, 20),
    "province": "Đồng Nai", "collector": "Sở Thông tin và Truyền thông",
}

THAM_MUU = (
    "Sở Công Thương xác định và thực hiện được việc tuyên truyền, phổ biến sâu rộng đến CBCCVC, "
    "người lao động các văn bản của Chính phủ, của Tỉnh hướng dẫn về ứng dụng công nghệ thông "
    "tin và phát triển chính quyền điện tử nhằm nâng cao nhận thức, kỹ năng số góp phần thúc đẩy "
    "nhanh quá trình chuyển đổi số.\n"
    "Sở Công Thương đã thực hiện đăng ký cấp chữ ký số chuyên dùng của Ban Cơ yếu Chính phủ cho "
    "các Lãnh đạo Sở, Lãnh đạo phòng và trung tâm; đăng ký SIM PKI cho Lãnh đạo Sở và trung tâm "
    "để việc xử lý công việc hiệu quả hơn khi lãnh đạo đi công tác, hội họp."
)
UNG_DUNG = (
    "Ứng dụng chữ ký số: 100% cán bộ, công chức, viên chức là Lãnh đạo Sở, Lãnh đạo phòng, đơn "
    "vị, chuyên viên là văn thư đã ứng dụng chữ ký số trong xác thực văn bản điện tử đối với các "
    "loại văn bản thông thường quy định tại Điều 7 Nghị định 30/2020/NĐ-CP ngày 05/3/2020; việc "
    "ký số qua 2 cấp tại đơn vị được thực hiện thành thạo, khoa học."
)
RA_SOAT = (
    "Căn cứ vào chức năng nhiệm vụ được giao, Sở Công Thương đã đưa tiêu chí về ứng dụng chữ ký "
    "số trong phát hành văn bản điện tử là một trong các tiêu chí đánh giá, xếp hạng mức độ ứng "
    "dụng Công nghệ thông tin.\n"
    "Định kỳ hàng tháng, Sở tổng hợp, đánh giá tình hình ứng dụng chữ ký số trong phát hành văn "
    "bản điện tử của Sở báo cáo Sở Thông tin và Truyền thông, Sở Nội vụ để đánh giá, theo dõi."
)
TON_TAI = (
    "Bên cạnh một số kết quả đạt được, trong quá trình triển khai ứng dụng chữ ký số tại Sở Công "
    "Thương vẫn còn một số tồn tại, hạn chế:\n"
    "- Việc ký số còn đang bị phụ thuộc nhiều vào điều kiện hạ tầng và các thiết bị kỹ thuật như: "
    "đường truyền, thiết bị Token, SIM PKI, thiết bị sử dụng ký số,... Do vậy, việc ký số văn bản "
    "điện tử còn gặp những khó khăn như: ký chậm, không ký được do cấu hình thiết bị ký số không "
    "phù hợp.\n"
    "- Một số người dân, doanh nghiệp vẫn chưa quen với việc gửi, nhận hồ sơ TTHC trên môi "
    "trường mạng."
)
KE_HOACH = (
    "- Xây dựng hoàn thiện hồ sơ an toàn thông tin theo cấp độ cho hệ thống mạng LAN của Sở.\n"
    "- Triển khai tích hợp ký số bằng chứng thư số vào Hệ thống thông tin báo cáo Chính phủ và "
    "Hệ thống thông tin báo cáo tỉnh Đồng Nai.\n"
    "- Sở Công Thương tiếp tục rà soát, đôn đốc các phòng, đơn vị, cá nhân sử dụng Chứng thư số "
    "để kịp thời thu hồi, cấp lại, điều chỉnh thông tin khi có phát sinh."
)
KIEN_NGHI = (
    "- Kiến nghị, đề xuất với Ban Cơ yếu Chính phủ:\n"
    "Hiện nay, việc ký số qua thiết bị di động với SIM PKI mới chỉ thực hiện được ở việc ký chữ "
    "ký chính thức của lãnh đạo; chưa có chức năng ký nháy bằng SIM PKI, vì vậy đề nghị Ban Cơ "
    "yếu Chính phủ đẩy mạnh việc nghiên cứu, phát triển chức năng ký nháy bằng SIM."
)

PLAN = AnswerPlan(
    scalars={
        "tham_muu": THAM_MUU,
        "so_chung_thu_so": "46",
        "so_sim_pki": "7",
        "ung_dung_chu_ky_so": UNG_DUNG,
        "so_van_ban": "21.253",
        "so_van_ban_dien_tu": "19.746",
        "ty_le_van_ban_di_ky_so": "100",
        "giao_dich_dien_tu": "Sử dụng chữ ký số ứng dụng vào giao dịch điện tử (DVC Kho bạc; "
        "Bảo hiểm xã hội; Thuế - đang trong quá trình đăng ký) theo quy định.",
        "so_ho_so_tthc": "12.382",
        "so_ho_so_dung_han": "12.222",
        "ra_soat_danh_gia": RA_SOAT,
        "ton_tai_han_che": TON_TAI,
        "ke_hoach_giai_phap": KE_HOACH,
        "kien_nghi_de_xuat": KIEN_NGHI,
    },
    cells={
        ("nhu_cau_chung_thu_so", "to_chuc", "so_luong"): "3",
        ("nhu_cau_chung_thu_so", "usb_token", "so_luong"): "5",
        ("nhu_cau_chung_thu_so", "sim_pki", "so_luong"): "2",
        ("nhu_cau_chung_thu_so", "thiet_bi", "so_luong"): "2",
    },
)
