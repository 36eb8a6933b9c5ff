"""The import and export reports of XLSForms, in Vietnamese and English.

Every line names where (sheet, row, column), the thing (a type, function, column, setting…) and
what was done. A line is a message code with parameters; :data:`CATALOG` holds the wording in
both languages, so a designer reads the report in the language of the page and the command line
prints English. ``kind`` sorts lines: ``refused`` (the file was not imported), ``dropped`` (left
out), ``changed`` (converted: read this), ``missing`` (a label to add before publishing) and
``note``.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["Line", "CodeMap", "Report", "CATALOG", "KINDS"]

KINDS = ("refused", "dropped", "missing", "changed", "note")

#: code → (kind, Vietnamese, English); ``{name}`` style parameters
CATALOG: dict[str, tuple[str, str, str]] = {
    # ---- refusals: the whole file
    "file-empty": ("refused", "Tệp rỗng.", "the file is empty"),
    "file-too-large": ("refused", "Tệp lớn hơn {mb} MB.", "file larger than {mb} MB"),
    "file-old-xls": ("refused", "Đây là tệp Excel .xls đời cũ; hãy lưu lại thành .xlsx (Excel 2007 "
                     "trở về sau).", "this is an old Excel .xls file; save it as .xlsx (Excel "
                     "2007 or later)"),
    "file-not-zip": ("refused", "Không phải bảng tính .xlsx (tệp .xlsx là một tệp nén zip).",
                     "not an .xlsx workbook (an .xlsx file is a zip archive)"),
    "file-unreadable": ("refused", "Không đọc được bảng tính .xlsx này: tệp bị hỏng hoặc không "
                        "phải bảng tính Excel.",
                        "not a readable .xlsx workbook ({why})"),
    "file-no-workbook": ("refused", "Tệp nén zip nhưng không phải bảng tính .xlsx (không có "
                         "xl/workbook.xml).", "a zip archive, but not an .xlsx workbook "
                         "(no xl/workbook.xml)"),
    "file-parts": ("refused", "Bảng tính có hơn {count} thành phần.",
                   "the workbook has more than {count} parts"),
    "file-bomb-ratio": ("refused", "Thành phần {part} giải nén lớn gấp {ratio} lần; từ chối vì "
                        "có thể là bom nén (zip bomb).", "part {part} unpacks {ratio} times "
                        "larger than it is packed; refusing a possible zip bomb"),
    "file-bomb-total": ("refused", "Bảng tính giải nén ra hơn {mb} MB; từ chối vì có thể là bom "
                        "nén (zip bomb).", "the workbook unpacks to more than {mb} MB; refusing "
                        "a possible zip bomb"),
    "no-survey-sheet": ("refused", "Bảng tính không có trang «survey» (các trang có: {sheets}). "
                        "Một XLSForm cần trang survey với các cột type, name, label.",
                        "the workbook has no 'survey' sheet (sheets: {sheets}); an XLSForm "
                        "needs a survey sheet with columns type, name, label"),
    "no-type-column": ("refused", "Trang survey không có cột «type» nên đây không phải XLSForm "
                       "(hàng đầu tiên: {headers}).", "the survey sheet has no 'type' column, so "
                       "this is not an XLSForm (first row: {headers})"),
    "data-export": ("refused", "Đây là tệp dữ liệu đã thu (có các cột {columns}), không phải "
                    "phiếu XLSForm. Hãy nhập phiếu trước, rồi nhập dữ liệu vào đợt khảo sát.",
                    "this is a data export (columns {columns}), not an XLSForm; import the "
                    "form first, then the data into a campaign"),
    "too-many-rows": ("refused", "Trang {sheet} có hơn {count} dòng.",
                      "the {sheet} sheet has more than {count} rows"),
    "nothing-usable": ("refused", "Không còn câu hỏi nào dùng được sau khi bỏ những phần không "
                       "hỗ trợ ({dropped} dòng bị bỏ, xem báo cáo).", "no question is left "
                       "once the unsupported parts are dropped ({dropped} rows dropped, see the "
                       "report)"),
    "unbalanced-group": ("changed", "Nhóm {name} mở ở dòng {row} nhưng không được đóng (thiếu "
                         "end group); nhóm kéo dài đến hết trang.", "group {name} opened at row "
                         "{row} is never closed; it ends with the sheet"),
    # ---- dropped
    "type-dropped": ("dropped", "Câu {name} kiểu {type}: nền tảng không hỗ trợ; đã bỏ câu này.",
                     "{type} question {name} is not supported; dropped"),
    "type-identifying": ("dropped", "Câu {name} hỏi số điện thoại, một thông tin nhận diện "
                         "người trả lời; đã bỏ để giữ ẩn danh.", "{name} asks for a phone "
                         "number, which identifies people; dropped to keep answers anonymous"),
    "type-metadata": ("dropped", "Siêu dữ liệu {type} ({name}) không bao giờ được thu: người trả "
                      "lời được ẩn danh; đã bỏ.", "metadata {type} ({name}) is never collected "
                      "(respondents stay anonymous); dropped"),
    "type-unknown": ("dropped", "Không biết kiểu câu hỏi «{type}» ({name}); đã bỏ dòng này.",
                     "unknown question type {type!r} ({name}); the row was dropped"),
    "type-missing": ("dropped", "Dòng có nội dung nhưng không có kiểu câu hỏi (type); đã bỏ.",
                     "the row has content but no type; dropped"),
    "name-missing": ("dropped", "Câu hỏi không có tên (name); đã bỏ.",
                     "a question without a name; dropped"),
    "row-disabled": ("dropped", "Dòng {name} bị tắt (disabled); đã bỏ.",
                     "row {name} is disabled; dropped"),
    "list-missing": ("dropped", "Câu {name} dùng danh sách phương án {list}, nhưng trang choices "
                     "không có danh sách này; đã bỏ câu này.", "{name} uses option list {list}, "
                     "which is not on the choices sheet; the question was dropped"),
    "list-needed": ("dropped", "Câu {name} kiểu {type} thiếu tên danh sách phương án; đã bỏ.",
                    "{type} question {name} names no option list; dropped"),
    "column-dropped": ("dropped", "Cột {column} không được hỗ trợ; bỏ qua (dòng {rows}).",
                       "column {column} is not supported; ignored (rows {rows})"),
    "column-language": ("dropped", "Cột {column}: không xác định được ngôn ngữ; bỏ qua cột này.",
                        "column {column}: cannot tell its language; the column was ignored"),
    "column-duplicate": ("dropped", "Cột {column} xuất hiện hai lần; cột thứ hai bị bỏ qua.",
                         "column {column} appears twice; the second one was ignored"),
    "setting-dropped": ("dropped", "Thiết lập {setting} = «{value}» không được hỗ trợ; bỏ qua.",
                        "setting {setting} = {value!r} is not supported; ignored"),
    "setting-encryption": ("dropped", "Khoá mã hoá (public_key) bị bỏ qua: câu trả lời được lưu "
                           "ẩn danh trên máy chủ này.", "the encryption key (public_key) was "
                           "ignored: answers are stored anonymously on this server"),
    "expression-part": ("dropped", "Cột {column} của {name}: không đọc được «{part}» ({why_vi}); "
                        "đã bỏ phần này.", "{column} of {name}: cannot read {part!r} ({why}); "
                        "that part was dropped"),
    "expression-whole": ("dropped", "Cột {column} của {name}: không đọc được «{text}» ({why_vi}); "
                         "đã bỏ cả điều kiện.", "{column} of {name}: cannot read {text!r} "
                         "({why}); the whole condition was dropped"),
    "required-condition": ("dropped", "Câu {name} chỉ bắt buộc khi «{text}»: chưa hỗ trợ bắt buộc "
                           "có điều kiện; câu này thành không bắt buộc.", "{name} is required "
                           "only when {text!r}: conditional required is not supported; the "
                           "question is optional"),
    "appearance-dropped": ("dropped", "Giao diện (appearance) «{appearance}» không được hỗ trợ; "
                           "bỏ qua (dòng {rows}).", "appearance {appearance!r} is not "
                           "supported; ignored (rows {rows})"),
    "parameter-dropped": ("dropped", "Tham số «{parameter}» của {name} bị bỏ qua.",
                          "parameter {parameter!r} of {name} ignored"),
    "choice-no-list": ("dropped", "Phương án không có list_name; bỏ qua.",
                       "a choice without list_name; ignored"),
    "choice-no-name": ("dropped", "Phương án của danh sách {list} không có name; bỏ qua.",
                       "a choice of list {list} without a name; ignored"),
    "choice-duplicate": ("dropped", "Phương án {choice} xuất hiện hai lần trong danh sách {list}; "
                         "lần sau bị bỏ qua.", "choice {choice} appears twice in list {list}; "
                         "the second one was ignored"),
    "grid-row-condition": ("dropped", "Cột {column} trên dòng {name} của bảng: một dòng của bảng "
                           "không có điều kiện riêng; đã bỏ.", "{column} on grid row {name}: a "
                           "grid row has no condition of its own; dropped"),
    "fixed-by-check": ("dropped", "{where}: {problem_vi}; {action_vi}.",
                       "{where}: {problem}; {action}"),
    # ---- missing labels
    "label-missing": ("missing", "{what} {name} không có nhãn; đã đặt nhãn tạm. Phải thêm nhãn "
                      "tiếng Việt trước khi phát hành.", "{what} {name} has no label; a "
                      "placeholder was put in. Add a Vietnamese label before publishing"),
    # ---- changed
    "form-id-mapped": ("changed", "form_id «{old}» thành mã phiếu «{new}» (chữ thường không dấu, "
                       "chữ số, gạch ngang).", "form_id {old!r} became questionnaire id "
                       "{new!r} (lower-case letters, digits and dashes)"),
    "form-id-from-file": ("changed", "Không có form_id; mã phiếu «{new}» lấy từ tên tệp.",
                          "no form_id; questionnaire id {new!r} was taken from the file name"),
    "title-from-id": ("changed", "Không có form_title; tiêu đề phiếu là «{title}» (theo mã "
                      "phiếu, như ODK làm).", "no form_title; the title is {title!r} (the form "
                      "id, as ODK does)"),
    "vi-from-language": ("changed", "Không có nhãn tiếng Việt: nhãn ở cột {language} được dùng "
                         "làm nhãn tiếng Việt. Hãy dịch trước khi gửi cho người trả lời.",
                         "no Vietnamese labels: the labels of column {language} were taken as "
                         "the Vietnamese ones; translate them before respondents see the form"),
    "label-fallback": ("changed", "{count} nhãn thiếu ở ngôn ngữ chính được lấy từ cột "
                       "{language} (trang, dòng: {rows}).", "{count} labels missing in the main "
                       "language were taken from column {language} (sheet, row: {rows})"),
    "label-references": ("changed", "{count} nhãn chèn câu trả lời trước đó (cú pháp $-tham chiếu "
                         "của ODK), điều phiếu của chúng tôi không làm: viết thành [tên câu] "
                         "(trang, dòng: {rows}).", "{count} labels insert an earlier answer "
                         "(ODK's $-references), which our forms do not: written as [name] "
                         "(sheet, row: {rows})"),
    "label-from-hint": ("changed", "{name} không có nhãn; gợi ý (hint) được dùng làm nhãn.",
                        "{name} has no label; its hint became the label"),
    "name-renamed": ("changed", "Tên {old} thành mã {new} (mã câu hỏi chỉ gồm chữ cái không dấu, "
                     "chữ số, dấu gạch dưới).", "name {old} became item id {new} (letters, "
                     "digits and _ only)"),
    "name-duplicate": ("changed", "Tên {old} đã dùng cho một câu trước; câu này thành {new}.",
                       "name {old} is already used by an earlier question; this one became "
                       "{new}"),
    "codes-assigned": ("changed", "Danh sách {list}: tên phương án không phải là số nên được "
                       "đánh mã 1, 2, 3… theo thứ tự (xem bảng tên → mã).", "lists {list}: "
                       "choice names are not numbers, so the options were numbered 1, 2, 3… in "
                       "order (see the name → code tables)"),
    "loop-list-missing": ("dropped", "Vòng lặp {name} theo danh sách {list}, nhưng trang choices "
                          "không có danh sách này; đã bỏ vòng lặp và các câu của nó.", "loop "
                          "{name} runs over list {list}, which is not on the choices sheet; the "
                          "loop and its questions were dropped"),
    "or-other": ("changed", "or_other của {name} thành phương án {code} «Khác (ghi rõ)».",
                 "or_other of {name} became option {code} 'Khác (ghi rõ)'"),
    "group-flattened": ("changed", "Nhóm {name} nằm trong một trang được gộp vào trang đó (điều "
                        "kiện của nhóm áp cho từng câu).", "group {name} inside a page was "
                        "flattened into the page (its condition applies to its questions)"),
    "table-list-fallback": ("changed", "Nhóm table-list {name} không phải một dãy câu select_one "
                            "cùng danh sách; các câu của nó thành câu hỏi thường.", "table-list "
                            "group {name} is not a set of select_one rows over one list; its "
                            "questions became ordinary questions"),
    "repeat-once": ("changed", "Nhóm lặp {name} chưa được hỗ trợ: các câu của nó được hỏi một "
                    "lần, không lặp lại.", "repeat {name} is not supported: its questions are "
                    "asked once, not repeated"),
    "loop-expanded": ("changed", "Vòng lặp {name} theo danh sách {list}: mỗi phương án một câu "
                      "({count} câu).", "loop {name} over list {list}: one question per option "
                      "({count} questions)"),
    "range-numeric": ("changed", "Câu {name} kiểu range thành câu hỏi số từ {start} đến {end}.",
                      "range question {name} became a number question from {start} to {end}"),
    "preset-numeric": ("changed", "Câu {name} kiểu {type} thành câu hỏi số nguyên từ {min} đến "
                       "{max}.", "{type} question {name} became a whole-number question from "
                       "{min} to {max}"),
    "grid-header-row": ("note", "Dòng tiêu đề của nhóm table-list {name} được bỏ qua.",
                        "header row of table-list group {name} skipped"),
    "grid-partly-required": ("changed", "Chỉ một số dòng của bảng {name} là bắt buộc; cả bảng "
                             "thành không bắt buộc.", "only some rows of grid {name} are "
                             "required; the grid is optional"),
    "choice-filter-never": ("changed", "Phương án {code} của {name} không bao giờ được hiện theo "
                            "choice_filter; đã bỏ.", "option {code} of {name} is never offered "
                            "by its choice_filter; left out"),
    "exclusive-recognised": ("changed", "Ràng buộc của {name} khiến phương án {code} loại trừ các "
                             "phương án khác; giữ thành phương án loại trừ.", "the constraint of "
                             "{name} makes option {code} exclusive; kept as an exclusive option"),
    "other-recognised": ("changed", "Câu {name} là phần ghi rõ của phương án {code} của {owner}: "
                         "phương án này thành «khác — ghi rõ».", "{name} is the text box of "
                         "option {code} of {owner}: that option became 'other — please "
                         "specify'"),
    "list-unused": ("note", "Danh sách {list} không được câu nào dùng; bỏ qua.",
                    "list {list} is used by no question; left out"),
    # ---- data collected elsewhere (survey.questionnaire.xlsform_data)
    "data-not-utf8": ("refused", "Tệp CSV không được lưu ở bảng mã UTF-8; hãy xuất lại dưới dạng "
                      "UTF-8 hoặc .xlsx.", "the CSV file is not UTF-8; export it again as UTF-8 or "
                      ".xlsx"),
    "data-no-match": ("refused", "Không cột nào của tệp dữ liệu khớp với câu hỏi của phiếu (các "
                      "cột đầu: {columns}); tệp này có được thu bằng đúng biểu mẫu không?", "no column "
                      "of the data matches a question of the form (first columns: {columns}); "
                      "was it collected with this form?"),
    "data-form-refused": ("refused", "Không đọc được biểu mẫu XLSForm đi kèm dữ liệu: {why_vi}",
                          "the XLSForm that goes with the data could not be read: {why}"),
    "data-column-meta": ("dropped", "Cột {column} là siêu dữ liệu của lần gửi (thời gian, thiết "
                         "bị, người dùng, mã lần gửi hoặc tệp đính kèm); không lưu để giữ ẩn danh.",
                         "column {column} is submission metadata (time, device, user, submission "
                         "id or attachments); not kept, answers stay anonymous"),
    "data-column-repeat": ("dropped", "Cột {column} nằm trong một nhóm lặp; câu trả lời lặp lại "
                           "không được lưu.", "column {column} is inside a repeat; repeated "
                           "answers are not kept"),
    "data-column-question": ("dropped", "Cột {column} trả lời câu {name}, câu này không được nhập "
                             "vào phiếu ({why}); không lưu.", "column {column} answers {name}, "
                             "which the form import left out ({why}); not kept"),
    "data-column-unknown": ("dropped", "Cột {column} không ứng với câu hỏi nào của phiếu; không "
                            "lưu.", "column {column} matches no question of the form; not kept"),
    "data-no-id": ("note", "Tệp không có cột mã lần gửi (meta/instanceID, _uuid, KEY): mỗi dòng "
                   "được nhận ra theo toàn bộ nội dung của nó khi nhập lại.", "the data has no "
                   "submission id column (meta/instanceID, _uuid, KEY): each row is recognised "
                   "by its whole content when imported again"),
    "data-row-duplicate": ("note", "Dòng này lặp lại lần gửi ở dòng {first}; chỉ nhập một lần.",
                           "this row repeats the submission of row {first}; imported once"),
    "data-value-unknown": ("dropped", "«{value}» không phải phương án của câu {name}; để trống.",
                           "{value!r} is not an option of {name}; left unanswered"),
    "data-value-number": ("dropped", "«{value}» không phải là số (câu {name}); để trống.",
                          "{value!r} is not a number ({name}); left unanswered"),
    "data-answer-invalid": ("dropped", "Câu {name}: {problem}; câu trả lời này được bỏ.",
                            "{name}: {problem_en}; that answer was left out"),
    "data-answer-hidden": ("dropped", "{count} câu trả lời cho câu hỏi lẽ ra bị ẩn theo điều kiện "
                           "hiển thị được bỏ ({names}).", "{count} answers to questions the skip "
                           "logic hides were left out ({names})"),
    "data-rows-empty": ("dropped", "{count} dòng không còn câu trả lời nào dùng được; không nhập.",
                        "{count} rows have no usable answer left; not imported"),
    "data-already": ("note", "{count} dòng đã được nhập trước đây (cùng mã lần gửi); không thêm "
                     "lại.", "{count} rows were imported before (same submission id); not added "
                     "again"),
    # ---- storing imported data (survey.services.data_import.import_data)
    "data-version-mismatch": ("refused", "Biểu mẫu XLSForm không khớp phiên bản {title} mà đợt "
                              "khảo sát dùng ({why_vi}); không nhập gì. Hãy nhập dữ liệu "
                              "vào một đợt khảo sát dùng phiên bản được tạo từ chính biểu mẫu này.",
                              "the XLSForm does not match version {title}, the one the "
                              "campaign uses ({why}); nothing imported. Import the data "
                              "into a campaign of the version made from this form"),
    "data-form-unavailable": ("refused", "Không tạo được XLSForm từ phiên bản của đợt khảo sát; "
                              "hãy gửi kèm biểu mẫu đã dùng để thu dữ liệu.", "no XLSForm could "
                              "be written from the campaign's version; give the form the data "
                              "was collected with"),
    "data-import-busy": ("refused", "Một lần nhập khác cùng các lần gửi này đang chạy; không nhập "
                         "gì. Hãy nhập lại: các dòng đã có sẽ không bị thêm lần nữa.", "another "
                         "import of the same submissions ran at the same time; nothing imported. "
                         "Import again: rows already there will not be added twice"),
    "data-stored": ("note", "{count} dòng được nhập, với cách thu «import»; chúng chờ trong kho "
                    "giữ phiếu và vào kết quả theo lô trộn, như phiếu trả lời trên web.",
                    "{count} rows imported, with mode 'import'; they wait in the holding pool "
                    "and enter the results in shuffled batches, like web responses"),
    # ---- export (what XLSForm cannot carry)
    "export-randomize-fixed": ("dropped", "Câu {name}: ODK/Kobo xáo trộn cả các phương án cố định "
                               "({codes}); XLSForm không giữ được chúng ở cuối.", "{name}: "
                               "ODK/Kobo shuffle the fixed options too ({codes}); XLSForm cannot "
                               "keep them at the end"),
    "export-grid-randomize": ("dropped", "Bảng {name}: ODK/Kobo không xáo trộn các dòng của bảng; "
                              "chỉ giữ trong cột randomize của chúng tôi.", "grid {name}: ODK/Kobo "
                              "do not shuffle grid rows; kept only in our randomize column"),
    "export-missing": ("dropped", "Câu {name}: ODK/Kobo coi các phương án khuyết ({codes}) là câu "
                       "trả lời thường; chỉ giữ trong cột missing.", "{name}: ODK/Kobo treat the "
                       "missing options ({codes}) as ordinary answers; kept only in the missing "
                       "column"),
    "export-rank-top": ("changed", "Câu xếp hạng {name} (xếp {top} hạng đầu) thành {top} câu "
                        "chọn một {names}, mỗi câu một hạng, không trùng nhau.", "ranking {name} "
                        "(top {top}) became {top} select_one questions {names}, one per rank, "
                        "each different"),
    "export-texts": ("dropped", "Lời giới thiệu, cam kết ẩn danh, lời cảm ơn và thời gian dự kiến "
                     "không hiện trong ODK/Kobo; chỉ giữ trong trang settings.", "the "
                     "introduction, anonymity statement, thank-you text and estimated time are "
                     "not shown by ODK/Kobo; kept only on the settings sheet"),
    "export-banner": ("dropped", "Biến phân tổ (role/dimension) của {names} chỉ giữ trong cột "
                      "riêng của chúng tôi.", "the banner role/dimension of {names} is kept only "
                      "in our own columns"),
    "export-other": ("changed", "Câu {name}: «{label}» có câu ghi rõ {other} hiện khi chọn "
                     "phương án {code}.", "{name}: {label!r} got the text question {other}, "
                     "shown when option {code} is chosen"),
    "export-exclusive": ("changed", "Câu {name}: phương án {codes} loại trừ được viết thành ràng "
                         "buộc.", "{name}: exclusive options {codes} written as a constraint"),
}

WHAT = {"question": ("Câu hỏi", "question"), "option": ("Phương án", "option"),
        "row": ("Dòng bảng", "grid row"), "page": ("Trang", "page"),
        "title": ("Tiêu đề phiếu", "questionnaire title")}


@dataclass(frozen=True)
class Line:
    """One report line: where, what and what was done, worded from :data:`CATALOG`."""

    code: str
    sheet: str = ""
    row: int | None = None
    column: str | None = None
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kind(self) -> str:
        return CATALOG[self.code][0]

    def place(self, lang: str = "en") -> str:
        if not self.sheet:
            return ""
        if lang == "vi":
            text = f"trang {self.sheet}"
            if self.row:
                text += f", dòng {self.row}"
            if self.column:
                text += f", cột {self.column}"
            return text
        text = self.sheet + (f" row {self.row}" if self.row else "")
        return text + (f", column {self.column}" if self.column else "")

    def message(self, lang: str = "en") -> str:
        _kind, vi, en = CATALOG[self.code]
        values = dict(self.params)
        if "what" in values and values["what"] in WHAT:
            values["what"] = WHAT[values["what"]][0 if lang == "vi" else 1]
        return (vi if lang == "vi" else en).format_map(_Missing(values))

    def unfilled(self) -> set[str]:
        """Parameters the wording needs that the line does not give (a bug if any)."""
        _kind, vi, en = CATALOG[self.code]
        needed = {name for template in (vi, en)
                  for _text, name, _spec, _conv in string.Formatter().parse(template) if name}
        return needed - {key for key, _value in self.params}

    def text(self, lang: str = "en") -> str:
        place = self.place(lang)
        return f"{place}: {self.message(lang)}" if place else self.message(lang)

    def __str__(self) -> str:
        return self.text("en")


class _Missing(dict):
    def __missing__(self, key: str) -> str:  # a parameter nobody passed: show its name
        return "{" + key + "}"


@dataclass
class CodeMap:
    """How one choice list's names became codes: ``(name, code, label)`` rows in order."""

    list_name: str
    rows: list[tuple[str, int, str]]
    items: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything an import said, in order."""

    lines: list[Line] = field(default_factory=list)
    code_maps: list[CodeMap] = field(default_factory=list)

    def add(self, code: str, sheet: str = "", row: int | None = None, column: str | None = None,
            /, **params: Any) -> Line:
        if code not in CATALOG:
            raise KeyError(code)
        line = Line(code, sheet, row, column, tuple(params.items()))
        self.lines.append(line)
        return line

    def of_kind(self, *kinds: str) -> list[Line]:
        return [line for line in self.lines if line.kind in kinds]

    def texts(self, lang: str = "en", kinds: Iterable[str] = KINDS) -> list[str]:
        wanted = set(kinds)
        return [line.text(lang) for line in self.lines if line.kind in wanted]
