"""Account management and the audit log viewer.

Every change goes through :mod:`survey.services.accounts`, which audits it. A generated
password is rendered straight into the response to the POST that created it (never flashed:
flashed messages travel in the cookie) and the page is marked ``no-store``.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.admin import bp
from survey.admin.forms import (ROLE_LABELS, ActiveForm, AuditFilterForm, CreateUserForm,
                                ResetPasswordForm, RoleForm)
from survey.auth.access import current_user
from survey.extensions import db
from survey.models import Role, StaffUser
from survey.services import audit
from survey.services.accounts import (count_sessions, create_user, generate_password, get_user,
                                      list_users, reset_password, set_active, set_role)
from survey.services.errors import ServiceError

ACTION_LABELS = {
    "auth.login": _l("Đăng nhập"),
    "auth.logout": _l("Đăng xuất"),
    "auth.lockout": _l("Tạm khoá đăng nhập do nhập sai nhiều lần"),
    "user.create": _l("Tạo tài khoản"),
    "user.role": _l("Đổi vai trò"),
    "user.disable": _l("Khoá tài khoản"),
    "user.enable": _l("Mở khoá tài khoản"),
    "user.password_reset": _l("Cấp lại mật khẩu"),
    "user.password_change": _l("Tự đổi mật khẩu"),
    "questionnaire.create": _l("Tạo phiếu hỏi"),
    "questionnaire.save": _l("Lưu bản nháp phiếu hỏi"),
    "questionnaire.upload": _l("Tải lên tệp phiếu hỏi"),
    "questionnaire.publish": _l("Phát hành phiên bản phiếu hỏi"),
    "campaign.create": _l("Tạo đợt khảo sát"),
    "campaign.update": _l("Sửa đợt khảo sát"),
    "campaign.close": _l("Đóng đợt khảo sát"),
    "campaign.reopen": _l("Mở lại đợt khảo sát"),
    "campaign.targets": _l("Đặt chỉ tiêu mẫu"),
    "codes.generate": _l("Tạo mã truy cập"),
    "codes.export": _l("Xuất mã truy cập"),
    "analysis.export": _l("Xuất số liệu, bảng, báo cáo"),
}
ACTION_FAMILIES = {
    "auth.": _l("Mọi thao tác đăng nhập"),
    "user.": _l("Mọi thay đổi tài khoản"),
    "questionnaire.": _l("Mọi thao tác với phiếu hỏi"),
    "campaign.": _l("Mọi thao tác với đợt khảo sát"),
    "codes.": _l("Mọi thao tác với mã truy cập"),
    "analysis.": _l("Mọi lần xuất số liệu"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _user_or_404(user_id: int) -> StaffUser:
    """The account ``user_id``; aborts with 404 when there is none."""
    user = get_user(db.session, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
def index():
    return render_template("admin/index.html", users=list_users(db.session),
                           form=CreateUserForm(), role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["POST"])
def create():
    form = CreateUserForm()
    if form.validate_on_submit():
        password = generate_password()
        try:
            user = create_user(db.session, form.username.data, password, form.role.data,
                               actor=current_user(), must_change=True)
        except ServiceError as exc:
            db.session.rollback()
            form.username.errors = [*form.username.errors, exc.translated()]
        else:
            db.session.commit()
            return render_template("admin/password_once.html", account=user, password=password,
                                   created=True)
    return render_template("admin/index.html", users=list_users(db.session), form=form,
                           role_labels=ROLE_LABELS), 400


@bp.route("/users/<int:user_id>")
def user(user_id: int):
    account = _user_or_404(user_id)
    history = audit.search(db.session, audit.AuditFilter(target=f"user:{account.id}"),
                           per_page=20)
    return render_template("admin/user.html", account=account, role_form=RoleForm(
        role=account.role.value), active_form=ActiveForm(), reset_form=ResetPasswordForm(),
        role_labels=ROLE_LABELS, history=history, action_label=action_label,
        sessions=count_sessions(db.session, account))


def _apply(account: StaffUser, change) -> None:
    """Run an account change; flash the outcome; roll back on refusal."""
    try:
        change()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
    else:
        db.session.commit()
        flash(_("Đã lưu thay đổi cho tài khoản %(username)s.", username=account.username), "info")


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    account = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Vai trò không hợp lệ."), "error")
    else:
        _apply(account, lambda: set_role(db.session, account, Role(form.role.data),
                                         actor=current_user()))
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def change_active(user_id: int):
    account = _user_or_404(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash(_("Yêu cầu không hợp lệ."), "error")
    else:
        _apply(account, lambda: set_active(db.session, account, form.active.data == "1",
                                           actor=current_user()))
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
def reset(user_id: int):
    account = _user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        abort(400)
    password = reset_password(db.session, account, actor=current_user())
    db.session.commit()
    return render_template("admin/password_once.html", account=account, password=password,
                           created=False)


@bp.route("/audit", endpoint="audit")
def audit_log():
    form = AuditFilterForm(request.args)
    users = list_users(db.session)
    form.user.choices = [("", _("Tất cả"))] + [(str(u.id), u.username) for u in users]
    actions = audit.known_actions(db.session)
    form.action.choices = ([("", _("Tất cả"))]
                           + [(family, str(label)) for family, label in ACTION_FAMILIES.items()]
                           + [(a, f"{action_label(a)} ({a})") for a in actions])
    flt = audit.AuditFilter()
    if request.args and form.validate():
        flt = audit.AuditFilter(
            user_id=int(form.user.data) if form.user.data else None,
            action=form.action.data or None,
            target=(form.target.data or "").strip() or None,
            since=form.since.data, until=form.until.data,
        )
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    result = audit.search(db.session, flt, page=page_number)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, result=result,
                           action_label=action_label, query=query)
