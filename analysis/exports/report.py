"""The Word report: see :mod:`analysis.report` (the outline the questionnaire declares,
findings in words backed by tests, leaders compared with staff in every section). This module
keeps the import path the exports and their callers have used."""
from __future__ import annotations

from typing import Any, Mapping

from analysis.report import OpenAnswers, ReportPlan, plan_report, report_figures, write_report

__all__ = ["ReportPlan", "plan_report", "write_report", "report_figures", "key_banner",
           "OpenAnswers"]


def key_banner(definition: Mapping[str, Any]) -> str | None:
    """The ``level`` banner, else the first banner (kept for callers of the old report)."""
    banners = [i for p in definition.get("pages") or [] for i in p.get("items") or []
               if i.get("role") == "banner"]
    chosen = next((b for b in banners if b.get("dimension") == "level"), None) or \
        (banners[0] if banners else None)
    return chosen["id"] if chosen else None
