"""Checks of the report outline and of every ``report:`` reference to it (messages in
Vietnamese: the outline is written by survey designers and analysts).
"""
from __future__ import annotations

import difflib
from typing import Any

from survey.questionnaire.model.problems import Path
from survey.questionnaire.model.schema import REPORT_ID_RE
from survey.questionnaire.validator.base import Checks


class OutlineChecks(Checks):
    def check_report(self) -> None:
        """The report outline and every ``report:`` reference to it (messages in Vietnamese:
        the outline is written by survey designers and analysts)."""
        spec = self.definition.get("report")
        known: dict[str, Path] = {}
        if spec is not None:
            if not spec["outline"]:
                self.add(("report", "outline"), "report",
                         "dàn ý báo cáo (outline) chưa có mục nào")
            for index, part in enumerate(spec["outline"]):
                entries = [(part, ("report", "outline", index))] + [
                    (section, ("report", "outline", index, "sections", s))
                    for s, section in enumerate(part.get("sections") or [])]
                for entry, path in entries:
                    self.check_section_id(entry["id"], path, known)
            self.check_report_compare(spec.get("compare"))
            for index, name in enumerate(spec.get("banners") or []):
                site = self.sites.get(name)
                path = ("report", "banners", index)
                if site is None:
                    self.add(path, "report.banners", f"không có câu hỏi {name!r}")
                elif site.item.get("role") != "banner":
                    self.add(path, "report.banners", f"câu {name} không phải biến phân tổ "
                                                     "(role: banner)")
            self.check_highlight(spec.get("highlight") or {})
        ids = ", ".join(known) or "chưa có"

        def refer(section: str, path: Path, where: str) -> None:
            if spec is None:
                self.add(path, where, f"report: gán vào mục {section!r} nhưng phiếu chưa khai "
                                      "báo dàn ý báo cáo (report.outline ở đầu tệp)")
            elif section not in known:
                close = difflib.get_close_matches(section, list(known), n=1)
                hint = f" (có phải {close[0]}?)" if close else ""
                self.add(path, where, f"report: mục {section!r} không có trong dàn ý báo cáo"
                                      f"{hint}; các mục: {ids}")

        for page_index, page in enumerate(self.definition["pages"]):
            if page.get("report"):
                refer(page["report"], ("pages", page_index, "report"), f"page {page['id']}")
        for site in self.sites.values():
            item, where = site.item, f"item {site.item['id']}"
            if item.get("report"):
                if item["type"] == "note":
                    self.add(site.path + ("report",), where,
                             "report: ghi chú không có số liệu để đưa vào báo cáo")
                else:
                    refer(item["report"], site.path + ("report",), where)
            for index, row in enumerate(item.get("rows") or []):
                if row.get("report"):
                    refer(row["report"], site.path + ("rows", index, "report"),
                          f"{where}, row {row['id']}")

    def check_highlight(self, highlight: dict[str, list[int]]) -> None:
        for item_id, codes in highlight.items():
            path, where = ("report", "highlight", item_id), "report.highlight"
            site = self.sites.get(item_id)
            if site is None:
                self.add(path, where, f"không có câu hỏi {item_id!r}")
                continue
            if site.item["type"] not in ("single", "grid"):
                self.add(path, where, f"câu {item_id} phải là câu hỏi một lựa chọn hoặc dạng "
                                      f"lưới, không phải {site.item['type']}")
                continue
            valid = {o["code"] for o in site.item["options"] if not o.get("missing")}
            if not codes:
                self.add(path, where, f"câu {item_id}: cần ít nhất một mã")
            for code in codes:
                if code not in valid:
                    self.add(path, where, f"câu {item_id} không có mã hợp lệ {code} (các mã: "
                                          f"{', '.join(map(str, sorted(valid)))})")

    def check_section_id(self, section: str, path: Path, known: dict[str, Path]) -> None:
        if section in known:
            self.add(path + ("id",), "report", f"mã mục {section!r} của dàn ý bị trùng"
                                               f"{self.line_of(known[section])}")
            return
        if not REPORT_ID_RE.match(section):
            self.add(path + ("id",), "report", f"mã mục {section!r} chỉ gồm chữ, số, dấu chấm, "
                                               "gạch dưới hoặc gạch ngang, tối đa 20 ký tự "
                                               "(ví dụ I, I.1, III.6)")
        known[section] = path

    def check_report_compare(self, compare: dict[str, Any] | None) -> None:
        if compare is None:
            return
        path, where = ("report", "compare"), "report.compare"
        site = self.sites.get(compare["item"])
        if site is None:
            self.add(path + ("item",), where, f"không có câu hỏi {compare['item']!r} để so "
                                              "sánh các nhóm")
            return
        if site.item["type"] != "single":
            self.add(path + ("item",), where, f"câu {compare['item']} phải là câu hỏi một "
                                              f"lựa chọn, không phải {site.item['type']}")
            return
        groups = compare["groups"]
        if len(groups) < 2:
            self.add(path + ("groups",), where, "cần ít nhất hai nhóm để so sánh")
        codes = {option["code"] for option in site.item["options"]}
        owner: dict[int, int] = {}
        for index, group in enumerate(groups):
            group_path = path + ("groups", index)
            if not group["codes"]:
                self.add(group_path + ("codes",), where, f"nhóm {index + 1} chưa có mã nào")
            for code in group["codes"]:
                if code not in codes:
                    self.add(group_path + ("codes",), where,
                             f"câu {compare['item']} không có mã {code} "
                             f"(các mã: {', '.join(map(str, sorted(codes)))})")
                elif code in owner:
                    self.add(group_path + ("codes",), where,
                             f"mã {code} đã thuộc nhóm {owner[code] + 1}; mỗi mã chỉ thuộc "
                             "một nhóm")
                else:
                    owner[code] = index
