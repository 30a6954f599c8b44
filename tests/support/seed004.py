"""Seed 004 (Sở Ngoại vụ Quảng Ngãi, IT application in the first 9 months of 2021)
as its officer would type it into the periodic questionnaire (``periodic_it``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support.answer_plan import AnswerPlan

AGENCY: dict[str, Any] = {
    "name": "Sở Ngoại vụ", "abbreviation": "SNGV", "governing_body": "UBND TỈNH QUẢNG NGÃI",
    "place": "Quảng Ngãi", "signer_name": "Nguyễn Viết Vy", "signer_position": "GIÁM ĐỐC",
    "signer_authority": None, "drafting_unit": "VP",
}
ROUND: dict[str, Any] = {
    "period_label": "9 tháng đầu năm 2021", "period_start": dt.date(2020, 12, 15),
    "period_end": dt.date(2021, 9, 14), "deadline": dt.date(2021, 10, 15),
    "province": "Quảng Ngãi", "collector": "Sở Thông tin và Truyền thông",
}

DIRECTIVES = [
    ("1", "424/KH-SNgV", "31/8/2020", "ứng dụng CNTT trong hoạt động của cơ quan nhà nước, "
     "phát triển chính quyền số và bảo đảm an toàn thông tin mạng năm 2021 của Sở Ngoại vụ "
     "Quảng Ngãi"),
    ("2", "163/SNgV-VP", "18/3/2021", "về việc thực hiện rà soát số liệu trên Cổng dịch vụ "
     "công quốc gia"),
    ("2", "167/SNgV-VP", "19/3/2021", "về việc đề nghị điều chỉnh lộ trình cung cấp dịch vụ "
     "công trực tuyến mức độ 4 trên Cổng Dịch vụ công và Hệ thống thông tin một cửa điện tử "
     "tỉnh Quảng Ngãi"),
    ("3", "177/BC-SNgV", "24/3/2021", "tình hình ứng dụng CNTT Quý I năm 2021 của Sở"),
    ("2", "328/SNgV-VP", "07/5/2021", "về việc sử dụng các biện pháp, giải pháp công nghệ phục "
     "vụ công tác phòng, chống dịch COVID-19 trong tình hình mới"),
    ("2", "381/SNgV-VP", "25/5/2021", "về việc cung cấp thông tin để đăng ký kết nối với CSDL "
     "quốc gia về dân cư để phục vụ xử lý thủ tục hành chính, cung cấp dịch vụ công trực tuyến"),
    ("2", "478/SNgV-VP", "21/6/2021", "về việc khảo sát hiện trạng cơ sở dữ liệu, hệ thống "
     "thông tin, phần mềm"),
    ("1", "685/KH-SNgV", "31/8/2021", "ứng dụng CNTT, phát triển Chính quyền điện tử, hướng tới "
     "Chính quyền số năm 2022 của Sở Ngoại vụ"),
    ("2", "857/SNgV-VP", "11/10/2021", "về việc thống kê, rà soát lại danh mục thủ tục hành "
     "chính thực hiện qua dịch vụ công trực tuyến mức độ 3, mức độ 4"),
]

TASKS = [
    "Tiếp tục tăng cường lãnh đạo, chỉ đạo các phòng, đơn vị trực thuộc Sở đẩy mạnh ứng dụng "
    "CNTT trong quản lý và điều hành công việc.",
    "Phối hợp với Văn phòng UBND tỉnh và các đơn vị liên quan để thực hiện cung cấp các thủ tục "
    "hành chính thuộc thẩm quyền giải quyết của Sở Ngoại vụ trên Cổng Dịch vụ công và Hệ thống "
    "thông tin một cửa điện tử tỉnh và Cổng Dịch vụ công quốc gia.",
    "Kiểm tra, đôn đốc các phòng, đơn vị trực thuộc thực hiện đúng quy định về tiếp nhận, thời "
    "hạn xử lý và trả kết quả giải quyết thủ tục hành chính cho tổ chức, công dân trên phần mềm "
    "một cửa điện tử.",
    "Thực hiện nâng cấp các phần mềm đang sử dụng.",
    "Mua giấy phép bản quyền cập nhật phần mềm đảm bảo an toàn thông tin.",
    "Thường xuyên rà soát, cập nhật, phê duyệt cấp độ an toàn hệ thống thông tin và triển khai "
    "phương án bảo đảm an toàn hệ thống thông tin theo cấp độ.",
    "Rà soát hiện trạng, tăng cường đầu tư trang thiết bị và thuê dịch vụ chuyên nghiệp nhằm "
    "nâng cao năng lực bảo đảm an toàn thông tin, phòng chống mã độc.",
    "Xây dựng và triển khai kế hoạch dự phòng, sao lưu dữ liệu, bảo đảm hoạt động liên tục của "
    "cơ quan.",
]

PLAN = AnswerPlan(
    scalars={
        "chi_dao_khac": "- Lãnh đạo Sở thường xuyên chỉ đạo triển khai thực hiện nghiêm túc việc "
        "sử dụng văn bản điện tử trong cơ quan. Đến nay, 100% văn bản (trừ văn bản mật) được "
        "cung cấp dưới dạng văn bản điện tử và được xử lý hoàn toàn trên môi trường mạng với chữ "
        "ký số lên trục liên thông văn bản điện tử (Hệ thống quản lý văn bản và điều hành - "
        "iOffice).\n- Việc ứng dụng CNTT đã mang lại hiệu quả cao và có ý nghĩa thiết thực trong "
        "công tác quản lý, điều hành và công tác cải cách hành chính tại Sở; tiết kiệm về thời "
        "gian, chi phí văn phòng phẩm.",
        "ha_tang_tinh_hinh": "- Tiếp tục phối hợp với Sở Thông tin và Truyền thông, Viễn thông "
        "Quảng Ngãi triển khai các giải pháp nhằm đảm bảo hạ tầng kỹ thuật, cơ sở dữ liệu để "
        "triển khai sử dụng phần mềm quản lý văn bản, điều hành dùng chung của tỉnh (iOffice).\n"
        "- Tiếp tục đảm bảo 100% hệ thống máy tính (trừ máy tính dùng để soạn thảo văn bản mật) "
        "được kết nối vào mạng nội bộ và mạng internet, hệ thống máy tính được cài đặt phần mềm "
        "diệt virus có bản quyền BKAV.\n"
        "- Triển khai cho công chức sử dụng phần mềm đánh giá cán bộ, công chức tỉnh Quảng Ngãi "
        "tại địa chỉ http://cbccvc.quangngai.gov.vn.\n"
        "- Thực hiện việc cài đặt, lấy mã QR Code của Sở; hướng dẫn khách đến làm việc tại Sở "
        "quét mã QR Code khi ra vào cơ quan để phòng chống dịch COVID-19.",
        "phan_mem_qlvb": "iOffice",
        "noi_bo_tinh_hinh": "+ Tiếp tục triển khai sử dụng có hiệu quả phần mềm quản lý văn bản "
        "và điều hành dùng chung iOffice, đảm bảo 100% công chức cơ quan sử dụng phần mềm iOffice "
        "để trao đổi thông tin, điều hành tác nghiệp và quản lý văn bản điện tử.\n"
        "+ 100% Lãnh đạo Sở, Lãnh đạo phòng và tương đương đều sử dụng chữ ký số để ký số văn "
        "bản điện tử trước khi phát hành.",
        "van_ban_den": "3.845",
        "van_ban_di": "888",
        "ty_le_van_ban_dien_tu": "100",
        "ty_le_thu_dien_tu": "100",
        "thu_dien_tu": "Thư điện tử công vụ của Sở Ngoại vụ được khai thác, sử dụng hàng ngày để "
        "tiếp nhận văn bản đến. 100% công chức cơ quan được cấp tài khoản thư điện tử của tỉnh "
        "theo tên miền xxx-sngv@quangngai.gov.vn.",
        "phuc_vu_tinh_hinh": "- Sở Ngoại vụ đã thực hiện việc cung cấp thông tin trên Trang thông "
        "tin điện tử thành phần của Sở (https://sngv.quangngai.gov.vn/) kịp thời, đúng quy định.\n"
        "- Tất cả các thủ tục hành chính thuộc thẩm quyền giải quyết của Sở đều được cung cấp "
        "Dịch vụ công trực tuyến ở mức độ 4.\n"
        "- 100% thủ tục hành chính thuộc thẩm quyền giải quyết của Sở Ngoại vụ được đăng tải trên "
        "Trang thông tin điện tử thành phần của Sở và niêm yết công khai tại trụ sở cơ quan.",
    },
    repeats={
        "van_ban_chi_dao": [
            {"loai": loai, "so_ky_hieu": so, "ngay": ngay, "trich_yeu": trich_yeu}
            for loai, so, ngay, trich_yeu in DIRECTIVES
        ],
        "nhiem_vu_cuoi_nam": [{"noi_dung": task} for task in TASKS],
    },
)
