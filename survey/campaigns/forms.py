"""Campaign, target and access-code forms. Dates and times are typed in Vietnam time."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from survey.fields import LocalDateField, LocalTimeField
from survey.models import AccessMode

ACCESS_LABELS = {
    AccessMode.OPEN: _l("Đường dẫn mở: ai có đường dẫn đều trả lời được"),
    AccessMode.CODE: _l("Mã truy cập dùng một lần"),
}


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Hãy nhập một số nguyên.")) from exc


class CampaignSettingsForm(FlaskForm):
    """Fields that can change after creation."""

    title = StringField(_l("Tên đợt khảo sát"), validators=[
        DataRequired(_l("Cần nhập tên đợt khảo sát.")),
        Length(max=500, message=_l("Tên đợt khảo sát tối đa 500 ký tự."))])
    access_mode = RadioField(_l("Cách truy cập"), default=AccessMode.OPEN.value,
                             choices=[SelectChoice(m.value, ACCESS_LABELS[m]) for m in AccessMode],
                             validators=[DataRequired(_l("Cần chọn cách truy cập."))])
    opens_date = LocalDateField(_l("Ngày bắt đầu"), validators=[Optional()])
    opens_time = LocalTimeField(_l("Giờ bắt đầu"), validators=[Optional()])
    closes_date = LocalDateField(_l("Ngày kết thúc"), validators=[Optional()])
    closes_time = LocalTimeField(_l("Giờ kết thúc"), validators=[Optional()])
    max_responses = WholeNumberField(_l("Số phiếu hoàn thành tối đa"), validators=[
        Optional(), NumberRange(min=1, message=_l("Số phiếu tối đa phải từ 1 trở lên."))])
    disclosure_threshold = WholeNumberField(_l("Ngưỡng bảo mật (số người nhỏ nhất được hiển thị)"),
                                            validators=[
        InputRequired(_l("Cần nhập ngưỡng bảo mật.")),
        NumberRange(min=1, max=1000, message=_l("Ngưỡng bảo mật phải từ 1 đến 1000."))])
    device_storage = BooleanField(_l("Giữ câu trả lời đang làm trên máy của người trả lời "
                                     "(mã hoá, để không mất khi mất mạng)"), default=True)


class CampaignCreateForm(CampaignSettingsForm):
    version = SelectField(_l("Phiếu hỏi (phiên bản đã công bố)"), coerce=int,
                          validators=[DataRequired(_l("Cần chọn một phiên bản phiếu hỏi."))])
    slug = StringField(_l("Tên đường dẫn"), validators=[
        DataRequired(_l("Cần nhập tên đường dẫn.")),
        Regexp(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
               message=_l("Tên đường dẫn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, "
                          "dài từ 3 đến 64 ký tự."))])


class ActionForm(FlaskForm):
    """Only the CSRF token (close, reopen)."""


def targets_form(cells: list[Any], current: dict[tuple[str, int], int]):
    """A form with one number field per banner category (``t0``, ``t1``, … in ``cells`` order)."""

    class TargetsForm(FlaskForm):
        pass

    for index, cell in enumerate(cells):
        setattr(TargetsForm, f"t{index}", WholeNumberField(
            cell.label, default=current.get((cell.dimension, cell.code)),
            validators=[Optional(), NumberRange(min=0, max=10_000_000,
                                                message=_l("Chỉ tiêu phải từ 0 đến 10 000 000."))]))
    return TargetsForm()


def codes_form(dimensions: list[tuple[str, str, list[tuple[int, str]]]], default_size: int):
    """Access-code batch form: size, label, and one optional attribute per banner dimension
    (``a0``, ``a1``, … in ``dimensions`` order; value "" = not labelled)."""

    class CodesForm(FlaskForm):
        size = WholeNumberField(_l("Số mã trong lô"), default=default_size, validators=[
            InputRequired(_l("Cần nhập số mã.")),
            NumberRange(min=1, max=50_000, message=_l("Số mã phải từ 1 đến 50 000."))])
        label = StringField(_l("Nhãn lô (không bắt buộc, ví dụ: tên nơi nhận)"), validators=[
            Optional(), Length(max=200, message=_l("Nhãn lô tối đa 200 ký tự."))])

    for index, (_dimension, label, options) in enumerate(dimensions):
        setattr(CodesForm, f"a{index}", SelectField(
            label, choices=[SelectChoice("", _l("(không ghi)"))]
        + [SelectChoice(str(code), text) for code, text in options],
            default="", validators=[Optional()]))
    return CodesForm()
