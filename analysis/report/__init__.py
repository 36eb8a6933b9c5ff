"""The Word report the institute hands over, in the outline the questionnaire declares.

Modules: :mod:`.outline` (the outline and the leader/staff comparison, read from ``report:``),
:mod:`.findings` (indicators, counts, z and chi-square tests, Holm), :mod:`.wording` (the
Vietnamese sentences), :mod:`.sections` (a section's sentences, tables and chart),
:mod:`.methods` (sample, weighting, margins of error, disclosure, limitations), :mod:`.open`
(coded open answers and checked quotes), :mod:`.plan` (the whole report, numbered),
:mod:`.document` (the .docx with named styles), :mod:`.figures` (charts sized for A4).

Pure: no Flask, no app. ``flask analysis export --format docx`` and the analyst workspace's
Word report both call :func:`plan_report` then :func:`write_report`.
"""
from __future__ import annotations

from analysis.report.document import write_report
from analysis.report.open import OpenAnswers
from analysis.report.plan import ReportPlan, plan_report, report_figures

__all__ = ["ReportPlan", "plan_report", "report_figures", "write_report", "OpenAnswers"]
