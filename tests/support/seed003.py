"""The figures and texts of seed 003 (Sở Công Thương Đồng Nai, annual report 2021)
as an officer would type them, and a driver that answers whatever step the
conversation is at. Shared by the engine, web chat and terminal tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# Scalars: question id -> what the officer types.
SCALARS: dict[str, str] = {
    "phap_ly_tong_quan": "Sở Công Thương ban hành và thực hiện hiệu quả các Kế hoạch triển khai "
    "nhiệm vụ ứng dụng công nghệ thông tin, cải cách hành chính hằng năm.",
    "so_cbcc": "56",
    "so_cbcc_co_may_tinh": "56",
    "so_don_vi_truc_thuoc": "02",
    "ten_don_vi_truc_thuoc": "Trung tâm Xúc tiến Thương mại; Trung tâm Khuyến công và Tư vấn "
    "phát triển Công nghiệp",
    "ket_noi_mang": "Đã triển khai kết nối đường truyền số liệu chuyên dùng và 01 đường truyền "
    "internet băng thông rộng của VNPT.",
    "so_may_tinh": "64",
    "so_may_chu": "04",
    "vi_tri_may_chu": "02 máy chủ tại Sở và 02 máy chủ đặt tại Sở Khoa học và Công nghệ",
    "so_may_tinh_lan": "64",
    "so_may_tinh_internet": "64",
    "bang_thong": "Đường truyền số liệu chuyên dùng T78: 4 MB; đường truyền FTTH: 30 Mb",
    "bien_phap_an_ninh": "1, 2, 3, 4",
    "tuong_lua_cung": "Tường lửa UTM lớp ngoài XG210",
    "bien_phap_an_toan_du_lieu": "Virtual SAN, sao lưu bằng Open Filer",
    "thiet_bi_mang": "03 switch Layer 2 (GSM4352S), 02 switch Layer 3 (XSM4324CS), 01 router "
    "Cisco 1841",
    "nen_tang": "Sở Công Thương không thực hiện xây dựng các hệ thống nền tảng (vì không phải "
    "là đơn vị chuyên môn).",
    "du_lieu": "- Vận hành và khai thác hệ thống Cơ sở dữ liệu Ngành Công Thương tại địa chỉ "
    "http://dlct.dongnai.gov.vn.\n+ Đối với dữ liệu cấu trúc: bảng biểu, số liệu thống kê;\n"
    "+ Đối với dữ liệu phi cấu trúc: danh mục ngành, tin tức.",
    "cong_khai_thong_tin": "Sở Công Thương cung cấp thông tin trên trang thông tin điện tử "
    "theo Nghị định số 43/2011/NĐ-CP.",
    "dia_chi_website": "http://sct.dongnai.gov.vn",
    "dvc_tong_quan": "Sở đã rà soát Bộ Thủ tục hành chính và niêm yết 116 thủ tục.",
    "so_tthc": "116",
    "so_tthc_co_phi": "48",
    "so_tthc_muc_3": "23",
    "so_tthc_muc_4": "93",
    "dia_chi_dvc": "https://egov.dongnai.gov.vn",
    "giai_phap_dvc": "Tích hợp nhắn tin SMS thông báo kết quả giải quyết hồ sơ trên phần mềm Egov.",
    "mot_cua_hien_trang": "- Tiếp nhận và trả kết quả tại Trung tâm Hành chính công của tỉnh.\n"
    "- Mô hình triển khai: hệ thống dùng chung.",
    "phan_mem_qlvb": "VNPT iOffice tại địa chỉ https://dongnai.vnptioffice.vn",
    "so_don_vi_trien_khai_qlvb": "2",
    "ty_le_dung_qlvb_truc_thuoc": "100",
    "so_cbcc_hop_thu": "56",
    "so_chung_thu_so": "46",
    "so_sim_pki": "7",
    "noi_bo_khac": "- Sở Công Thương đã số hóa 100% văn bản đến và đi và nhập vào phần mềm.",
    "so_can_bo_cntt": "1",
    "nhan_luc_cntt": "- Sở có một chuyên viên phụ trách công tác CNTT, trình độ Kỹ sư CNTT.",
    "attt_hien_trang": "- Duy trì tường lửa cứng, tường lửa mềm và phần mềm diệt virus bản quyền.",
    "so_su_co_attt": "0",
    "attt_tuyen_truyen": "+ Quán triệt cán bộ nâng cao kỹ năng tự bảo đảm an toàn thông tin.",
    "so_luot_dao_tao_attt": "2",
    "attt_dao_tao": "Sở tích cực cử CBCC tham dự các lớp tập huấn về an toàn thông tin mạng.",
    "kinh_phi": "120,5",
    "nguon_kinh_phi": "1",
    "kinh_phi_danh_gia": "- Kinh phí được sử dụng từ nguồn tự cân đối trong dự toán chi "
    "thường xuyên được giao.",
    "de_xuat": "Đề nghị Sở Khoa học và Công nghệ hỗ trợ tập huấn an toàn thông tin.",
}

# Table cells: (question, row, column) -> typed value.
CELLS: dict[tuple[str, str, str], str] = {
    ("ho_so_dvc", "ho_so", "tong"): "14.824",
    ("ho_so_dvc", "ho_so", "truc_tuyen"): "14.659",
    ("ho_so_dvc", "ho_so", "truc_tiep"): "165",
    ("van_ban", "van_phong", "tong"): "25.430",
    ("van_ban", "van_phong", "gui"): "9.136",
    ("van_ban", "van_phong", "nhan"): "16.294",
    ("van_ban", "van_phong", "dt_tong"): "23.841",
    ("van_ban", "van_phong", "dt_gui"): "9.136",
    ("van_ban", "van_phong", "dt_nhan"): "14.705",
    ("van_ban", "van_phong", "cbcc_tong"): "56",
    ("van_ban", "van_phong", "cbcc_su_dung"): "56",
}

# Repeats: question id -> items (field id -> typed value).
REPEATS: dict[str, list[dict[str, str]]] = {
    "van_ban_chi_dao": [
        {"loai": "1", "so_ky_hieu": "927/KH-SCT", "ngay": "26/2/2021",
         "trich_yeu": "ứng dụng công nghệ thông tin, phát triển chính quyền số và bảo đảm an "
         "toàn thông tin mạng giai đoạn 2021-2025"},
        {"loai": "1", "so_ky_hieu": "1029/KH-SCT", "ngay": "08/3/2021",
         "trich_yeu": "ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước năm 2021"},
    ],
    "he_thong_thong_tin": [
        {"ten_he_thong": "Trang thông tin điện tử của Sở Công Thương",
         "don_vi_van_hanh": "Sở Công Thương", "cap_do": "2",
         "ho_so": "VB số 2559/SCT-VP ngày 25/5/2021"},
        {"ten_he_thong": "Hệ thống cơ sở dữ liệu ngành Công Thương",
         "don_vi_van_hanh": "Sở Công Thương", "cap_do": "3",
         "ho_so": "VB số 2561/SCT-VP ngày 25/5/2021"},
        {"ten_he_thong": "Hệ thống thông tin khuyến mại ngành Công Thương",
         "don_vi_van_hanh": "Sở Công Thương", "cap_do": "3",
         "ho_so": "VB số 2560/SCT-VP ngày 25/5/2021"},
        {"ten_he_thong": "Trang thông tin điện tử của Trung tâm XTTM",
         "don_vi_van_hanh": "Trung tâm XTTM", "cap_do": "2",
         "ho_so": "VB số 2563/SCT-VP ngày 25/5/2021"},
        {"ten_he_thong": "Trang thông tin điện tử của Trung tâm khuyến công",
         "don_vi_van_hanh": "Trung tâm khuyến công và tư vấn phát triển công nghiệp",
         "cap_do": "2", "ho_so": "VB số 2579/SCT-VP ngày 25/5/2021"},
    ],
    # the Phụ lục of IT tasks and projects (the seed's VIII names them; no amounts given)
    "nhiem_vu_du_an": [
        {"ten": "Bảo trì, bảo dưỡng hệ thống mạng LAN tại Sở", "nguon_von": "Chi thường xuyên",
         "tinh_hinh": "Thực hiện thường xuyên"},
        {"ten": "Mua sắm trang thiết bị văn phòng, phần mềm bảo vệ máy tính",
         "nguon_von": "Chi thường xuyên", "tinh_hinh": "Đã hoàn thành"},
    ],
}


def reply_for(step: str, answers: dict[str, Any]) -> str:
    """What the seed's officer types at ``step`` (a conversation step key)."""
    kind, qid, *rest = step.split(":")
    if kind == "q":
        return SCALARS.get(qid, "bỏ qua")
    if kind == "t":
        return CELLS.get((qid, rest[0], rest[1]), "bỏ qua")
    if kind == "r":
        have = len(answers.get(qid) or [])
        return "thêm" if have < len(REPEATS.get(qid, [])) else "xong"
    if kind == "f":
        return REPEATS[qid][int(rest[0])].get(rest[1], "bỏ qua")
    raise AssertionError(f"unknown step {step}")


async def answer_everything(
    send: Callable[[str], Awaitable[Any]],
    current_step: Callable[[], Awaitable[tuple[str | None, dict[str, Any]]]],
    limit: int = 400,
) -> int:
    """Answer steps until the conversation leaves the questionnaire; return turns used."""
    for turn in range(limit):
        step, answers = await current_step()
        if step is None:
            return turn
        await send(reply_for(step, answers))
    raise AssertionError("the questionnaire did not end")
