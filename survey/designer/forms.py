"""Designer forms, and the conversions between a form and a node of the canonical definition.

Numbers are typed as text and parsed here so that a typo gets a Vietnamese message (WTForms has
no Vietnamese catalogue). Whether a value makes sense for the questionnaire (a minimum above the
maximum, a skip rule naming a later item…) is decided by the questionnaire validator, not here.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from survey.questionnaire.model import CHOICE_TYPES, ITEM_TYPES

ITEM_TYPE_LABELS = {
    "note": _l("Ghi chú (không có câu trả lời)"),
    "single": _l("Chọn một"),
    "multiple": _l("Chọn nhiều"),
    "grid": _l("Bảng (nhiều dòng, cùng thang đo)"),
    "ranking": _l("Xếp hạng"),
    "numeric": _l("Số"),
    "text": _l("Văn bản"),
}
BLANK_OPTION_ROWS = 3
BLANK_GRID_ROWS = 2
MAX_FORM_ROWS = 200


class WholeNumberField(StringField):
    """An optional whole number typed as text; ``data`` is an int or None."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_text = text
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Cần nhập một số nguyên, ví dụ 3.")) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class NumberField(WholeNumberField):
    """An optional number (a comma is accepted as the decimal mark); int when whole."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Cần nhập một số, ví dụ 10 hoặc 2,5.")) from None
        self.data = int(value) if value == value.to_integral_value() else float(value)


def _label(vi: str | None, en: str | None) -> dict[str, str]:
    out = {}
    if vi and vi.strip():
        out["vi"] = vi.strip()
    if en and en.strip():
        out["en"] = en.strip()
    return out


def _text(value: str | None) -> str:
    return (value or "").strip()


class OptionForm(Form):
    code = WholeNumberField(_l("Mã"))
    label_vi = StringField(_l("Nhãn (tiếng Việt)"), validators=[Length(max=500)])
    label_en = StringField(_l("Nhãn (tiếng Anh)"), validators=[Length(max=500)])
    other = BooleanField(_l("Khác (ghi rõ)"))
    missing = BooleanField(_l("Giá trị khuyết"))
    exclusive = BooleanField(_l("Loại trừ"))
    relevant = StringField(_l("Lọc phương án (điều kiện)"), validators=[Length(max=500)])
    xls_name = HiddenField(validators=[Length(max=200)])  # the XLSForm choice name (codebook)

    def is_blank(self) -> bool:
        return (self.code.data is None and not getattr(self.code, "raw_text", "")
                and not _text(self.label_vi.data) and not _text(self.label_en.data))


def options_of(entries: FieldList) -> tuple[list[dict[str, Any]], list[int]]:
    """The options typed into a table of option rows, and for each the form row it came from
    (blank rows are left out, so the two numberings can differ)."""
    options: list[dict[str, Any]] = []
    rows: list[int] = []
    for index, entry in enumerate(entries):
        sub = entry.form
        if sub.is_blank():
            continue
        option: dict[str, Any] = {"code": sub.code.data,
                                  "label": _label(sub.label_vi.data, sub.label_en.data)}
        for flag in ("other", "missing", "exclusive"):
            if getattr(sub, flag).data:
                option[flag] = True
        if _text(sub.relevant.data):
            option["relevant"] = _text(sub.relevant.data)
        if _text(sub.xls_name.data):
            option["name"] = _text(sub.xls_name.data)
        options.append(option)
        rows.append(index)
    return options, rows


def option_rows_data(options: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Form rows for canonical options."""
    return [{"code": o["code"], "label_vi": o["label"].get("vi", ""),
             "label_en": o["label"].get("en", ""), "other": bool(o.get("other")),
             "missing": bool(o.get("missing")), "exclusive": bool(o.get("exclusive")),
             "relevant": o.get("relevant", ""), "xls_name": o.get("name", "")} for o in options]


class RowForm(Form):
    id = StringField(_l("Mã dòng"), validators=[Length(max=40)])
    label_vi = StringField(_l("Nhãn (tiếng Việt)"), validators=[Length(max=500)])
    label_en = StringField(_l("Nhãn (tiếng Anh)"), validators=[Length(max=500)])

    def is_blank(self) -> bool:
        return not (_text(self.id.data) or _text(self.label_vi.data) or _text(self.label_en.data))


class ItemForm(FlaskForm):
    id = StringField(_l("Mã câu hỏi"), validators=[DataRequired(_l("Cần nhập mã câu hỏi.")),
                                                   Length(max=40)],
                     description=_l("Chữ cái, chữ số và dấu gạch dưới; bắt đầu bằng chữ cái. "
                                    "Dùng trong điều kiện và trong tệp số liệu."))
    type = SelectField(_l("Loại câu hỏi"),
                       choices=[SelectChoice(t, ITEM_TYPE_LABELS[t]) for t in ITEM_TYPES])
    label_vi = TextAreaField(_l("Nội dung câu hỏi (tiếng Việt)"),
                             validators=[Length(max=4000)])
    label_en = TextAreaField(_l("Nội dung câu hỏi (tiếng Anh)"), validators=[Length(max=4000)])
    hint_vi = StringField(_l("Gợi ý (tiếng Việt)"), validators=[Length(max=1000)])
    hint_en = StringField(_l("Gợi ý (tiếng Anh)"), validators=[Length(max=1000)])
    required = BooleanField(_l("Bắt buộc trả lời"))
    relevant = StringField(_l("Chỉ hiện khi (điều kiện)"), validators=[Length(max=1000)],
                           description=_l("Ví dụ: A1 = 2, selected(B3, 1), A5 >= 10. "
                                          "Để trống: luôn hiện."))
    constraint = StringField(_l("Ràng buộc"), validators=[Length(max=1000)],
                             description=_l("Dấu chấm là câu trả lời hiện tại, ví dụ: . <= 40"))
    constraint_message_vi = StringField(_l("Thông báo khi vi phạm ràng buộc (tiếng Việt)"),
                                        validators=[Length(max=500)])
    constraint_message_en = StringField(_l("Thông báo khi vi phạm ràng buộc (tiếng Anh)"),
                                        validators=[Length(max=500)])
    # single
    appearance = SelectField(_l("Cách hiển thị"), choices=[
        SelectChoice("radio", _l("Nút chọn")),
        SelectChoice("dropdown", _l("Danh sách thả xuống"))], default="radio")
    banner = BooleanField(_l("Là biến phân tổ (banner)"))
    dimension = StringField(_l("Chiều phân tổ"), validators=[Length(max=40)],
                            description=_l("Ví dụ: level, field, rank, category"))
    # choice items
    randomize = BooleanField(_l("Đảo thứ tự phương án cho mỗi người trả lời"))
    options_from = SelectField(_l("Lấy phương án từ danh sách dùng chung"), default="",
                               choices=[SelectChoice("", "")])
    options = FieldList(FormField(OptionForm), min_entries=0, max_entries=MAX_FORM_ROWS)
    rows = FieldList(FormField(RowForm), min_entries=0, max_entries=MAX_FORM_ROWS)
    # multiple
    min_select = WholeNumberField(_l("Chọn ít nhất"))
    max_select = WholeNumberField(_l("Chọn nhiều nhất"))
    # ranking
    top = WholeNumberField(_l("Số vị trí cần xếp hạng"))
    # numeric
    min = NumberField(_l("Giá trị nhỏ nhất"))
    max = NumberField(_l("Giá trị lớn nhất"))
    decimals = WholeNumberField(_l("Số chữ số thập phân"))
    # text
    max_length = WholeNumberField(_l("Độ dài tối đa (ký tự)"))
    multiline = BooleanField(_l("Ô nhập nhiều dòng"))

    def pad(self) -> None:
        """Offer a few blank option and grid rows to fill in."""
        for _ in range(BLANK_OPTION_ROWS):
            if len(self.options) < MAX_FORM_ROWS:
                self.options.append_entry()
        for _ in range(BLANK_GRID_ROWS):
            if len(self.rows) < MAX_FORM_ROWS:
                self.rows.append_entry()

    def offer_lists(self, names) -> None:
        """The shared option lists of the draft being edited, as choices."""
        self.options_from.choices = [SelectChoice("", _l("Không — phương án riêng của câu hỏi"))] \
            + [SelectChoice(name, name) for name in names]

    def to_item(self) -> tuple[dict[str, Any], list[int], list[int]]:
        """The item the form describes, and for each option/grid row the form row it came
        from (blank rows are left out)."""
        kind = self.type.data
        item: dict[str, Any] = {"id": _text(self.id.data), "type": kind,
                                "label": _label(self.label_vi.data, self.label_en.data)}
        hint = _label(self.hint_vi.data, self.hint_en.data)
        if hint:
            item["hint"] = hint
        if self.required.data:
            item["required"] = True
        for key in ("relevant", "constraint"):
            if _text(getattr(self, key).data):
                item[key] = _text(getattr(self, key).data)
        message = _label(self.constraint_message_vi.data, self.constraint_message_en.data)
        if message:
            item["constraint_message"] = message
        option_rows: list[int] = []
        grid_rows: list[int] = []
        if kind in CHOICE_TYPES:
            if self.options_from.data:  # the list's options; the option rows are not used
                item["options_from"] = self.options_from.data
            else:
                item["options"], option_rows = options_of(self.options)
            if self.randomize.data:
                item["randomize"] = True
        if kind == "grid":
            rows = []
            for index, entry in enumerate(self.rows):
                sub = entry.form
                if sub.is_blank():
                    continue
                rows.append({"id": _text(sub.id.data),
                             "label": _label(sub.label_vi.data, sub.label_en.data)})
                grid_rows.append(index)
            item["rows"] = rows
        if kind == "single":
            item["appearance"] = self.appearance.data or "radio"
            if self.banner.data:
                item["role"] = "banner"
                item["dimension"] = _text(self.dimension.data) or None
        elif kind == "multiple":
            item["min_select"] = self.min_select.data or 0
            item["max_select"] = self.max_select.data
        elif kind == "ranking" and self.top.data is not None:
            item["top"] = self.top.data
        elif kind == "numeric":
            item["min"] = self.min.data
            item["max"] = self.max.data
            item["decimals"] = self.decimals.data or 0
        elif kind == "text":
            item["multiline"] = bool(self.multiline.data)
            if self.max_length.data is not None:
                item["max_length"] = self.max_length.data
        return item, option_rows, grid_rows


def item_form_data(item: Mapping[str, Any]) -> dict[str, Any]:
    """Form data for editing a canonical item."""
    def lab(key: str, lang: str) -> str:
        return (item.get(key) or {}).get(lang, "")

    data: dict[str, Any] = {
        "id": item["id"], "type": item["type"],
        "label_vi": lab("label", "vi"), "label_en": lab("label", "en"),
        "hint_vi": lab("hint", "vi"), "hint_en": lab("hint", "en"),
        "required": bool(item.get("required")), "relevant": item.get("relevant", ""),
        "constraint": item.get("constraint", ""),
        "constraint_message_vi": lab("constraint_message", "vi"),
        "constraint_message_en": lab("constraint_message", "en"),
        "appearance": item.get("appearance", "radio"),
        "banner": item.get("role") == "banner", "dimension": item.get("dimension") or "",
        "randomize": bool(item.get("randomize")),
        "options": option_rows_data(item.get("options") or []),
        "options_from": item.get("options_from") or "",
        "rows": [{"id": r["id"], "label_vi": r["label"].get("vi", ""),
                  "label_en": r["label"].get("en", "")} for r in item.get("rows") or []],
        "min_select": item.get("min_select") or None, "max_select": item.get("max_select"),
        "top": item.get("top"), "min": item.get("min"), "max": item.get("max"),
        "decimals": item.get("decimals"), "max_length": item.get("max_length"),
        "multiline": bool(item.get("multiline")),
    }
    return data


class OptionListForm(FlaskForm):
    """A shared option list (``option_lists``): one set of answer options named once and used
    by several items, so a wording fixed here is fixed in every item that uses it."""

    name = StringField(_l("Tên danh sách"), validators=[
        DataRequired(_l("Cần nhập tên danh sách.")), Length(max=40),
        Regexp(r"^[A-Za-z][A-Za-z0-9_]*$",
               message=_l("Tên chỉ gồm chữ cái không dấu, chữ số và dấu gạch dưới; bắt đầu "
                          "bằng chữ cái."))],
        description=_l("Ví dụ: agree5. Dùng trong tệp YAML (options_from)."))
    options = FieldList(FormField(OptionForm), min_entries=0, max_entries=MAX_FORM_ROWS)

    def pad(self) -> None:
        for _ in range(BLANK_OPTION_ROWS):
            if len(self.options) < MAX_FORM_ROWS:
                self.options.append_entry()


class PageForm(FlaskForm):
    id = StringField(_l("Mã trang"), validators=[
        DataRequired(_l("Cần nhập mã trang.")), Length(max=40),
        Regexp(r"^[A-Za-z0-9_]+$", message=_l("Mã trang chỉ gồm chữ cái không dấu, chữ số và "
                                               "dấu gạch dưới."))])
    title_vi = StringField(_l("Tiêu đề trang (tiếng Việt)"), validators=[Length(max=500)])
    title_en = StringField(_l("Tiêu đề trang (tiếng Anh)"), validators=[Length(max=500)])
    relevant = StringField(_l("Chỉ hiện trang khi (điều kiện)"), validators=[Length(max=1000)])

    def to_page(self) -> dict[str, Any]:
        page: dict[str, Any] = {"id": _text(self.id.data)}
        title = _label(self.title_vi.data, self.title_en.data)
        if title:
            page["title"] = title
        if _text(self.relevant.data):
            page["relevant"] = _text(self.relevant.data)
        return page


def page_form_data(page: Mapping[str, Any]) -> dict[str, Any]:
    title = page.get("title") or {}
    return {"id": page["id"], "title_vi": title.get("vi", ""), "title_en": title.get("en", ""),
            "relevant": page.get("relevant", "")}


class MetaForm(FlaskForm):
    title_vi = StringField(_l("Tên phiếu (tiếng Việt)"), validators=[Length(max=500)])
    title_en = StringField(_l("Tên phiếu (tiếng Anh)"), validators=[Length(max=500)])
    introduction_vi = TextAreaField(_l("Lời giới thiệu (tiếng Việt)"),
                                    validators=[Length(max=10000)])
    introduction_en = TextAreaField(_l("Lời giới thiệu (tiếng Anh)"),
                                    validators=[Length(max=10000)])
    anonymity_vi = TextAreaField(_l("Cam kết ẩn danh (tiếng Việt)"),
                                 validators=[Length(max=5000)])
    anonymity_en = TextAreaField(_l("Cam kết ẩn danh (tiếng Anh)"), validators=[Length(max=5000)])
    thank_you_vi = TextAreaField(_l("Lời cảm ơn (tiếng Việt)"), validators=[Length(max=5000)])
    thank_you_en = TextAreaField(_l("Lời cảm ơn (tiếng Anh)"), validators=[Length(max=5000)])
    estimated_minutes = WholeNumberField(_l("Thời gian trả lời dự kiến (phút)"))

    def to_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        for key in ("title", "introduction", "anonymity", "thank_you"):
            meta[key] = _label(getattr(self, f"{key}_vi").data, getattr(self, f"{key}_en").data)
        meta["estimated_minutes"] = self.estimated_minutes.data
        return meta


def meta_form_data(definition: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"estimated_minutes": definition.get("estimated_minutes")}
    for key in ("title", "introduction", "anonymity", "thank_you"):
        text = definition.get(key) or {}
        data[f"{key}_vi"] = text.get("vi", "")
        data[f"{key}_en"] = text.get("en", "")
    return data


class NewQuestionnaireForm(FlaskForm):
    slug = StringField(_l("Mã phiếu"), validators=[
        DataRequired(_l("Cần nhập mã phiếu.")), Length(min=3, max=64, message=_l(
            "Mã phiếu dài từ 3 đến 64 ký tự.")),
        Regexp(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", message=_l(
            "Mã phiếu chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ "
            "khao-sat-2026."))],
        description=_l("Không đổi được sau khi tạo; xuất hiện trong tệp và đường dẫn."))
    title_vi = StringField(_l("Tên phiếu (tiếng Việt)"), validators=[
        DataRequired(_l("Cần nhập tên phiếu bằng tiếng Việt.")), Length(max=500)])
    title_en = StringField(_l("Tên phiếu (tiếng Anh)"), validators=[Length(max=500)])

    def title(self) -> dict[str, str]:
        return _label(self.title_vi.data, self.title_en.data)


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp phiếu hỏi (YAML hoặc XLSForm .xlsx)"),
                     validators=[FileRequired(_l("Cần chọn một tệp."))])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (publish, delete, move)."""

    direction = HiddenField(validators=[Optional()])


class DiffForm(FlaskForm):
    class Meta:
        csrf = False

    old = SelectField(_l("Từ phiên bản"))
    new = SelectField(_l("Đến"))
