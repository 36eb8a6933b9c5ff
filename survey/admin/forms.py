"""Account management and audit filter forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from survey.fields import LocalDateField
from survey.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị viên"),
    Role.DESIGNER: _l("Người thiết kế phiếu"),
    Role.ANALYST: _l("Người phân tích số liệu"),
    Role.DATA_ENTRY: _l("Người nhập phiếu giấy"),
}


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in Role]


class CreateUserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_l("Cần nhập tên đăng nhập.")),
        Length(max=80, message=_l("Tên đăng nhập không được dài quá 80 ký tự.")),
        Regexp(r"^[A-Za-z0-9._-]+$",
               message=_l("Tên đăng nhập chỉ gồm chữ cái không dấu, chữ số, dấu chấm, "
                          "gạch dưới và gạch ngang."))])
    role = SelectField(_l("Vai trò"), choices=role_choices,
                       validators=[DataRequired(_l("Cần chọn vai trò."))])


class RoleForm(FlaskForm):
    role = SelectField(_l("Vai trò"), choices=role_choices,
                       validators=[DataRequired(_l("Cần chọn vai trò."))])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[Regexp(r"^[01]$")])


class ResetPasswordForm(FlaskForm):
    """Only the CSRF token: resetting needs no input."""


class AuditFilterForm(FlaskForm):
    """Read from the query string (GET), so it carries no CSRF token."""

    class Meta:
        csrf = False

    user = SelectField(_l("Người thực hiện"), validators=[Optional()], default="")
    action = SelectField(_l("Thao tác"), validators=[Optional()], default="")
    target = StringField(_l("Đối tượng"), validators=[Optional(), Length(max=200)],
                         description=_l("Ví dụ: user:3, questionnaire:2"))
    since = LocalDateField(_l("Từ ngày"), validators=[Optional()])
    until = LocalDateField(_l("Đến ngày"), validators=[Optional()])
