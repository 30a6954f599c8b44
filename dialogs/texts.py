"""Every fixed Vietnamese sentence the bot says, in one place."""

WELCOME_UNBOUND = (
    "Xin chào Anh/Chị! Đây là hệ thống thu thập báo cáo ứng dụng công nghệ thông tin.\n"
    "Vui lòng nhập mã mời do {collector} cung cấp cho cơ quan của Anh/Chị "
    "(ví dụ: SCT-7K4P-Q2XM)."
)
REVOKED = (
    "Quyền gửi báo cáo qua tài khoản này đã bị thu hồi. Anh/Chị vui lòng liên hệ "
    "{collector} để được cấp mã mời mới, rồi nhập mã đó vào đây."
)
ASK_INVITE = "Vui lòng nhập mã mời để bắt đầu (ví dụ: SCT-7K4P-Q2XM)."
BIND_ERRORS = {
    "unknown": "Mã mời không đúng. Anh/Chị kiểm tra lại mã (chú ý chữ và số) rồi nhập lại.",
    "expired": "Mã mời đã hết hạn. Vui lòng đề nghị {collector} cấp mã mới.",
    "used": "Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần; "
    "vui lòng đề nghị {collector} cấp mã mới.",
    "throttled": "Anh/Chị đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau ít phút.",
}
NO_DOCUMENT = ("Anh/Chị chưa nộp báo cáo nào trong đợt này nên chưa có tài liệu để tải về. "
               "Gõ \"tiếp tục\" để làm tiếp báo cáo.")
DOCUMENT_AGAIN = "Báo cáo đã nộp (bản {version}) — liên kết tải về mới:"
BIND_WAIT = ("Có quá nhiều lượt nhập sai mã mời. Vui lòng chờ {wait} rồi nhập lại mã "
             "(chú ý chữ và số).")
BOUND = "Xác nhận: Anh/Chị đã được liên kết với {agency}."
NO_OPEN_ROUND = (
    "Hiện chưa có đợt báo cáo nào đang mở cho {agency}. "
    "Bot sẽ báo khi có đợt báo cáo mới."
)
CHOOSE_ROUND = "{agency} có {count} báo cáo đang mở. Anh/Chị chọn báo cáo muốn làm:"
ROUND_INTRO = (
    "{title}\n"
    "Hạn nộp: {deadline}. Gồm {total} câu hỏi; câu trả lời được lưu ngay sau mỗi câu, "
    "Anh/Chị có thể tạm dừng và quay lại bất cứ lúc nào.\n"
    "Gõ \"trợ giúp\" để xem các lệnh."
)
HELP = (
    "Các lệnh có thể dùng (gõ chữ hoặc bấm nút):\n"
    "• tiếp tục — hiện lại câu hỏi đang trả lời\n"
    "• quay lại — về câu trước\n"
    "• bỏ qua — bỏ qua câu không bắt buộc\n"
    "• giữ — giữ câu trả lời hiện có hoặc số liệu kỳ trước\n"
    "• xem lại — xem toàn bộ câu trả lời theo từng phần\n"
    "• sửa <số câu> — sửa một câu, ví dụ: sửa 12\n"
    "• nộp — nộp báo cáo\n"
    "• tải pdf — tải lại bản PDF của báo cáo đã nộp để ký số\n"
    "• tạm dừng — dừng lại, lần sau gõ \"tiếp tục\"\n"
    "Số viết kiểu Việt Nam: 25.430 hoặc 25430; số thập phân: 93,75."
)
PAUSED = (
    "Đã tạm dừng. Mọi câu trả lời đã được lưu. "
    "Khi muốn làm tiếp, Anh/Chị gõ \"tiếp tục\"."
)
IDLE_HINT = "Anh/Chị đang tạm dừng. Gõ \"tiếp tục\" để trả lời tiếp hoặc \"xem lại\" để xem báo cáo."
FIRST_QUESTION = "Đây đã là câu hỏi đầu tiên."
REQUIRED_NO_SKIP = "Câu này bắt buộc, không thể bỏ qua."
NOTHING_TO_KEEP = "Câu này chưa có số liệu kỳ trước hay giá trị sẵn để giữ. Vui lòng nhập câu trả lời."
STALE_BUTTON = "Nút này thuộc một câu hỏi trước đó nên không được ghi nhận. Câu hỏi hiện tại:"
UNKNOWN_BUTTON = "Nút này không còn hiệu lực."
ONLY_WHILE_ANSWERING = (
    "Lệnh \"{word}\" dùng khi đang trả lời câu hỏi; hiện Anh/Chị không ở câu hỏi nào. "
    "Gõ \"tiếp tục\" để trả lời tiếp."
)
REPEAT_COMMAND_HERE = (
    "\"{word}\" là lệnh dùng cho câu hỏi liệt kê nhiều mục (thêm mục, xong, xóa mục cuối); "
    "câu hiện tại không phải loại đó. Anh/Chị trả lời câu hỏi dưới đây:"
)
PDF_TO_SIGN = (
    "{title} (bản {version}, nộp lúc {time}): kèm theo là liên kết "
    "\"Tải PDF để ký số\". Ký số xong, Anh/Chị gửi lại tệp PDF đã ký vào cuộc trò chuyện này."
)
PDF_NOT_READY = (
    "{title} chưa được nộp nên chưa có bản PDF để ký số. "
    "Anh/Chị nộp báo cáo trước, sau đó gõ \"tải pdf\"."
)
NO_SUCH_QUESTION = "Không có câu số {n}. Báo cáo có các câu từ 1 đến {total}."
NOT_APPLICABLE = "Câu {n} không áp dụng với các câu trả lời hiện tại của Anh/Chị."
CONSTRAINT_FAILED = "Câu trả lời không hợp lệ: {message}"
CONSTRAINT_DEFAULT = "giá trị không thỏa điều kiện của câu hỏi."
REVIEW_HEADING = "XEM LẠI BÁO CÁO"
REVIEW_ANSWERED = "Đã trả lời {answered}/{total} câu áp dụng cho đơn vị"
REVIEW_SKIPPED = "bỏ qua {count}"
REVIEW_NA = "không áp dụng {count}"
REVIEW_PROBLEMS = "⚠ Còn {count} câu cần hoàn thiện trước khi nộp:"
REVIEW_MORE_PROBLEMS = "… và {count} câu khác."
REVIEW_READY = "✓ Tất cả câu bắt buộc đã được trả lời, có thể nộp."
REVIEW_SECTIONS = "Theo từng phần:"
REVIEW_SECTION_COUNT = "đã trả lời {answered}/{total}"
REVIEW_SECTION_PROBLEMS = "{count} câu cần hoàn thiện"
REVIEW_HOW_SHORT = "Bấm số câu (hoặc gõ \"sửa <số câu>\") để sửa."
REVIEW_HOW = (
    "Bấm \"Phần …\" để xem chi tiết câu trả lời, bấm số câu (hoặc gõ \"sửa <số câu>\") để sửa."
)
REVIEW_SECTION_HEADING = "XEM LẠI · {section}"
REVIEW_CUT = "… (phần này dài, bấm số câu hoặc gõ \"sửa <số câu>\" để xem đầy đủ)"
REVIEW_NOT_APPLICABLE = "(không áp dụng)"
REVIEW_SKIPPED_ONE = "(bỏ qua)"
REVIEW_NONE = "không có"
REVIEW_ITEMS = "{count} mục"
PROGRESS = "Câu {position}/{total} · {section}"
#: the question's number in the report (for "sửa N") when questions before it do not apply
PROGRESS_NUMBERED = "Câu {position}/{total} (câu số {number}) · {section}"
OPTIONAL_CELL = "(có thể bỏ qua)"
NOT_ANSWERED = "(chưa trả lời)"
PROBLEM_REASONS = {
    "missing": "chưa trả lời",
    "too_few": "chưa đủ số mục (tối thiểu {min})",
    "incomplete": "có mục chưa nhập đủ thông tin",
    "constraint": "không hợp lệ: {message}",
}
CONFIRM = (
    "Anh/Chị xác nhận nộp {report} của {agency}?\n"
    "Sau khi nộp, báo cáo chỉ sửa được khi {collector} trả lại để chỉnh sửa."
)
SUBMITTED = (
    "Đã nộp báo cáo (bản {version}) lúc {time}. Cảm ơn Anh/Chị!\n"
    "Báo cáo theo thể thức Nghị định 30/2020/NĐ-CP ở tệp đính kèm; "
    "Anh/Chị điền số, ngày và trình ký theo quy định."
)
DASHBOARD_LINK = (
    "Liên kết đăng nhập trang quản trị (dùng được một lần, hết hạn sau {minutes} phút):\n{url}\n"
    "Không chuyển liên kết này cho người khác."
)
DASHBOARD_REFUSED = "Trang quản trị chỉ dành cho cán bộ của {collector}."
DASHBOARD_UNAVAILABLE = "Trang quản trị chưa được bật trên hệ thống này."
RETURNED_FOR_CORRECTION = (
    "{title} đã được {collector} trả lại để chỉnh sửa. "
    "Anh/Chị xem lại, sửa các câu cần thiết (gõ \"sửa <số câu>\") rồi gõ \"nộp\" để nộp lại."
)
ALREADY_SUBMITTED = (
    "{title} đã được nộp (bản {version}, lúc {time}). "
    "Nếu cần sửa, vui lòng đề nghị {collector} trả lại báo cáo."
)
OTHER_OPEN = "{agency} còn {count} báo cáo đang mở:"
CHOOSE_BY_NUMBER = "Gõ số thứ tự (ví dụ: 1) để làm báo cáo đó."
NO_OTHER_OPEN = "{agency} không còn báo cáo nào đang mở."
SUBMITTED_MARK = "(đã nộp)"
OLD_BUTTON = "Nút này thuộc một tin nhắn cũ nên không còn hiệu lực."
CONFIRM_CANCELLED = "Chưa nộp. Anh/Chị có thể xem lại và sửa câu trả lời."
CHANGED_MEANWHILE = (
    "Câu này vừa được cán bộ khác của đơn vị cập nhật thành: {value}. "
    "Câu trả lời của Anh/Chị chưa được lưu để tránh ghi đè; vui lòng xem lại và nhập lại nếu vẫn muốn thay đổi."
)
BUSY = "Hệ thống đang bận, vui lòng gửi lại tin nhắn."
REPEAT_GATE = "Đã nhập {count} mục."
REPEAT_ADD_OR_DONE = "Bấm \"Thêm mục\" (hoặc gõ \"thêm\") để nhập thêm, \"Xong\" khi đã đủ."
REPEAT_ITEM = "Mục {index} · {field}"
REPEAT_TOO_FEW = "Cần ít nhất {min} mục cho câu này."
REPEAT_MAX = "Đã đủ số mục tối đa ({max})."
REPEAT_REMOVED = "Đã xóa mục cuối."
REPEAT_EMPTY = "Danh sách đang trống."
TABLE_CELL = "▸ Dòng \"{row}\" · cột \"{column}\""
BUTTONS = {
    "back": "◀ Quay lại",
    "skip": "Bỏ qua",
    "review": "Xem lại",
    "keep_previous": "Giữ như kỳ trước",
    "keep_current": "Giữ nguyên",
    "keep_default": "Dùng giá trị mặc định",
    "yes": "Có",
    "no": "Không",
    "add": "Thêm mục",
    "done": "Xong",
    "remove_last": "Xóa mục cuối",
    "submit": "Nộp báo cáo",
    "confirm": "Xác nhận nộp",
    "continue": "Tiếp tục trả lời",
    "edit": "Sửa câu {n}",
    "section": "Phần {k}",
    "review_all": "Tổng quan",
    "page_back": "◀ Trang {page}",
    "page_next": "Trang {page} ▶",
}

# --- rounds and reminders (bot/reminders/) ----------------------------------------------
# {title} is dialogs.titles.report_title, {report} report_phrase (no "báo cáo Báo cáo").
ROUND_OPENED = (
    "📋 Đợt báo cáo mới: {title}\n"
    "Số liệu tính từ ngày {start} đến ngày {end}.\n"
    "Hạn nộp: {deadline}. Gồm {total} câu hỏi; Anh/Chị có thể trả lời dần, "
    "câu trả lời được lưu ngay."
)
REMINDER = (
    "🔔 Nhắc hạn nộp {report}\n"
    "{agency}: Đã trả lời {answered}/{total} câu.\n"
    "{left}"
)
NUDGE = (
    "📣 {collector} đề nghị {agency} hoàn thành {report}.\n"
    "Đã trả lời {answered}/{total} câu.\n"
    "{left}"
)
LEFT_DAYS = "Hạn nộp: {deadline} — còn {days} ngày."
LEFT_TODAY = "Hạn nộp: hôm nay, {deadline}."
LEFT_OVERDUE = "Hạn nộp: {deadline} — đã quá hạn {days} ngày."
DIGEST_TITLE = "📊 Tình hình nộp báo cáo ngày {date}"
DIGEST_ROUND = "{title} (hạn {deadline}): đã nộp {submitted}/{count}."
DIGEST_LATE = "Quá hạn, chưa nộp ({count}): {agencies}"
DIGEST_NOT_STARTED = "Chưa bắt đầu ({count}): {agencies}"
DIGEST_ALL_GOOD = "Không có cơ quan nào quá hạn hoặc chưa bắt đầu."
START_BUTTON = "Bắt đầu trả lời"

#: An answer with which a computed value or a rule cannot be worked out (overflow).
CANNOT_COMPUTE = (
    "Không tính được các chỉ tiêu với câu trả lời này (số quá lớn). "
    "Anh/Chị vui lòng kiểm tra và nhập lại."
)
NOT_YET = "Chưa thể nộp báo cáo."
REVIEWING_HINT = "Anh/Chị đang xem lại báo cáo."
