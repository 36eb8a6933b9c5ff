"""Form fields shared by the staff areas.

WTForms ships no Vietnamese catalogue, so its parse errors for dates and times would reach a
Vietnamese page in English; these fields raise our own translated messages instead.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, TimeField


class LocalDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Ngày không hợp lệ; hãy nhập theo dạng năm-tháng-ngày.")) from exc


class LocalTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Giờ không hợp lệ; hãy nhập theo dạng giờ:phút.")) from exc
