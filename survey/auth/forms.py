"""Sign-in and password forms. Labels and messages are Vietnamese sources, translated lazily."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from survey.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_l("Cần nhập tên đăng nhập.")), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(_l("Cần nhập mật khẩu.")), Length(max=MAX_PASSWORD_LENGTH)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[
        DataRequired(_l("Cần nhập mật khẩu hiện tại.")), Length(max=MAX_PASSWORD_LENGTH)])
    new = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(_l("Cần nhập mật khẩu mới.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Mật khẩu mới phải dài từ %(min)d đến %(max)d ký tự."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(_l("Cần nhập lại mật khẩu mới.")),
        EqualTo("new", message=_l("Hai lần nhập mật khẩu mới không khớp nhau."))])
