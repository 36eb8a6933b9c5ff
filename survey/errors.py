"""Error pages, in Vietnamese first: a respondent never sees a stack trace or an English-only page."""
from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Yêu cầu không hợp lệ"),
              _("Trình duyệt đã gửi một yêu cầu không hợp lệ. Vui lòng quay lại và thử lại.")),
        403: (_("Không có quyền truy cập"), _("Bạn không có quyền xem trang này.")),
        404: (_("Không tìm thấy trang"),
              _("Địa chỉ này không tồn tại hoặc đã bị gỡ bỏ. Vui lòng kiểm tra lại đường dẫn.")),
        405: (_("Thao tác không được phép"), _("Trang này không nhận thao tác vừa gửi.")),
        410: (_("Không còn nữa"), _("Nội dung này đã bị xoá khỏi máy chủ: tệp dữ liệu chi tiết chỉ "
                                     "tải về được một lần, và mọi tệp xuất chỉ được giữ trong một "
                                     "giờ. Vui lòng tạo lại tệp nếu cần.")),
        413: (_("Tệp quá lớn"), _("Tệp hoặc dữ liệu gửi lên vượt quá giới hạn cho phép "
                                 "(tối đa %(limit)s). Vui lòng chọn tệp nhỏ hơn hoặc rút gọn "
                                 "nội dung rồi gửi lại.", limit=_upload_limit())),
        429: (_("Quá nhiều yêu cầu"),
              _("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi một lát rồi thử lại.")),
        500: (_("Lỗi hệ thống"),
              _("Đã xảy ra lỗi ngoài ý muốn. Câu trả lời đã gửi trước đó không bị mất. Vui lòng thử lại sau.")),
    }


def _upload_limit() -> str:
    """The configured request size limit in words a respondent or designer understands."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return "—"
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, _messages()[500])
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                   "Vui lòng tải lại trang và gửi lại."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        return render_error(code if code in _messages() else 500 if code >= 500 else 400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        return render_error(500)
