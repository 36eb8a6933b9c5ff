"""Forms of the entry area. The entry screen's fields are not WTForms fields: they are the
questionnaire's own (``survey.services.paper_fields``), checked by the runtime rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Hãy nhập một số nguyên.")) from exc


class OpenSheetForm(FlaskForm):
    batch = SelectField(_l("Lô phiếu"), coerce=int,
                        validators=[DataRequired(_l("Cần chọn lô phiếu."))])
    reference = StringField(_l("Mã phiếu (in trên phiếu) hoặc số thứ tự trong lô"), validators=[
        DataRequired(_l("Cần nhập mã phiếu hoặc số thứ tự của phiếu.")),
        Length(max=24, message=_l("Mã phiếu quá dài."))])


class BatchForm(FlaskForm):
    label = StringField(_l("Nhãn lô (ví dụ: hộp 3, nhận ngày 12/12)"), validators=[
        Optional(), Length(max=200, message=_l("Nhãn lô tối đa 200 ký tự."))])
    received = WholeNumberField(_l("Số phiếu nhận được"), validators=[
        InputRequired(_l("Cần nhập số phiếu nhận được.")),
        NumberRange(min=1, max=100_000, message=_l("Số phiếu phải từ 1 đến 100 000."))])


class SettingsForm(FlaskForm):
    verify_percent = WholeNumberField(_l("Tỷ lệ phiếu được nhập lần thứ hai (%)"), default=100,
                                      validators=[
        InputRequired(_l("Cần nhập tỷ lệ phiếu nhập hai lần.")),
        NumberRange(min=1, max=100, message=_l("Tỷ lệ phải từ 1 đến 100 (%)."))])
    finished = BooleanField(_l("Đã nhập xong: chuyển mọi phiếu đã thống nhất vào kết quả"))


class ActionForm(FlaskForm):
    """Only the CSRF token (finish, adjudicate, discard)."""
