"""Coded open answers: read the texts, count the codes, cross them like a multiple choice.

A *text variable* is a text item (``E5``) or the text of an item's "other — specify" option
(``B3.other``, stored on the answer row of that option). The analyst's coding frame and the
codes given to answers live in ``coding_code`` / ``coding_assignment``
(:mod:`survey.schema`); this module only reads them, through SQLAlchemy Core with a connection
passed in. Only complete responses count.

Answers are listed in response-id order: ids are random, so the order says nothing about when
anyone answered. A coded variable is tabulated as a multiple choice (% of coded answers giving
each code; an answer may carry several) with disclosure control, overall and by a banner.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analysis import disclosure
from analysis.results import Message, MultipleTable, Suppression
from analysis.synthetic import counted
from survey import schema
from survey.questionnaire import iter_items, label_text

__all__ = ["TextVariable", "text_variables", "texts", "codes_of", "crosstab", "counts",
           "suggest", "normalise"]

answer_table, response_table = schema.answer, schema.response
codes_table, assignment_table = schema.coding_code, schema.coding_assignment
quote_table = schema.coding_quote


@dataclass(frozen=True)
class TextVariable:
    key: str            # E5, B3.other
    item: str           # E5, B3
    label: str
    option: int | None  # the "other" option's code


def text_variables(definition: Mapping[str, Any], language: str = "vi") -> list[TextVariable]:
    """Every text item and every "other — specify" box, in questionnaire order."""
    found = []
    for item in iter_items(definition):
        if item.get("type") == "text":
            found.append(TextVariable(item["id"], item["id"],
                                      label_text(item.get("label"), language), None))
        for option in item.get("options") or []:
            if option.get("other"):
                found.append(TextVariable(f"{item['id']}.other", item["id"],
                                          f"{label_text(item.get('label'), language)} — "
                                          f"{label_text(option.get('label'), language)}",
                                          option["code"]))
    return found


def _text_clauses(campaign_id: int, variable: TextVariable) -> list[Any]:
    a, r = answer_table.c, response_table.c
    clauses = [r.campaign_id == campaign_id, r.status == "complete", a.response_id == r.id,
               counted(response_table),
               a.variable == variable.item, a.text.is_not(None), a.text != ""]
    if variable.option is not None:
        clauses.append(a.code == variable.option)
    return clauses


def texts(conn, campaign_id: int, variable: TextVariable, search: str = "",
          codes: Sequence[int] | None = None, uncoded: bool = False, offset: int = 0,
          limit: int = 25) -> tuple[int, list[tuple[str, str]]]:
    """(matching answers, a page of (response id, text)) in response-id order. ``search``:
    case-insensitive substring; ``codes``: answers carrying any of them; ``uncoded``: answers
    carrying no code of this variable."""
    a = answer_table.c
    clauses = _text_clauses(campaign_id, variable)
    if search:
        clauses.append(sa.func.lower(a.text).contains(search.lower(), autoescape=True))
    frame_codes = sa.select(codes_table.c.id).where(
        codes_table.c.campaign_id == campaign_id, codes_table.c.variable == variable.key)
    if codes:
        clauses.append(a.response_id.in_(sa.select(assignment_table.c.response_id).where(
            assignment_table.c.code_id.in_([int(c) for c in codes]))))
    if uncoded:
        clauses.append(a.response_id.not_in(sa.select(assignment_table.c.response_id).where(
            assignment_table.c.code_id.in_(frame_codes))))
    base = sa.select(a.response_id, a.text).select_from(answer_table, response_table) \
        .where(*clauses)
    total = int(conn.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0)
    rows = conn.execute(base.order_by(a.response_id).offset(offset).limit(limit)).all()
    return total, [(row[0], row[1]) for row in rows]


def codes_of(conn, campaign_id: int, variable: str) -> list[tuple[int, str]]:
    """The coding frame: (code id, label) in the analyst's order."""
    c = codes_table.c
    return [(row[0], row[1]) for row in conn.execute(
        sa.select(c.id, c.label).where(c.campaign_id == campaign_id, c.variable == variable)
        .order_by(c.position, c.id))]


def assigned(conn, code_ids: Iterable[int], response_ids: Iterable[str]) -> dict[str, set[int]]:
    """Codes given to each response's answer (among ``code_ids``)."""
    code_ids, response_ids = list(code_ids), list(response_ids)
    if not code_ids or not response_ids:
        return {}
    t = assignment_table.c
    result: dict[str, set[int]] = {}
    for response_id, code_id in conn.execute(sa.select(t.response_id, t.code_id).where(
            t.code_id.in_(code_ids), t.response_id.in_(response_ids))):
        result.setdefault(response_id, set()).add(code_id)
    return result


def _coded_frame(conn, campaign_id: int, variable: str, by: str | None) -> pd.DataFrame:
    """One row per (coded response, code): response id, code id, the banner code or NaN."""
    t, c, r = assignment_table.c, codes_table.c, response_table.c
    columns = [t.response_id, t.code_id]
    join = assignment_table.join(codes_table, c.id == t.code_id).join(
        response_table, r.id == t.response_id)
    if by is not None:
        banner = answer_table.alias("banner")
        join = join.outerjoin(banner, sa.and_(banner.c.response_id == t.response_id,
                                              banner.c.variable == by))
        columns.append(banner.c.code.label("by"))
    rows = conn.execute(sa.select(*columns).select_from(join).where(
        c.campaign_id == campaign_id, c.variable == variable, r.status == "complete",
        counted(response_table))).all()
    frame = pd.DataFrame(rows, columns=["response_id", "code_id"] + (["by"] if by else []))
    if by is None:
        frame["by"] = np.nan
    return frame


def _columns(frame: pd.DataFrame, groups: Sequence[tuple[Any, str, Sequence[int] | None]]):
    """Per column (key, label, codes or None = everyone): the coded responses and the
    responses giving each code."""
    result = []
    for key, label, members in groups:
        part = frame if members is None else frame[frame["by"].isin(list(members))]
        result.append((key, label, part))
    return result


def crosstab(conn, campaign_id: int, variable: TextVariable, frame_codes: Sequence[tuple[int, str]],
             by: str | None = None, by_label: str = "",
             by_options: Sequence[tuple[int, str]] = (), k: int | None = disclosure.DEFAULT_K
             ) -> MultipleTable:
    """The coded variable as a multiple choice (the analysis result every renderer reads):
    % of coded answers giving each code, overall or per category of the banner ``by``."""
    frame = _coded_frame(conn, campaign_id, variable.key, by)
    groups = [(code, label, (code,)) for code, label in by_options] if by else \
        [("total", "Tổng", None)]
    parts = _columns(frame, groups)
    total_n = float(frame["response_id"].nunique()) if by is None else float(
        sum(p[2]["response_id"].nunique() for p in parts))
    disclosure.check_base(total_n, k, variable.key)
    n = np.array([[float((p[2]["code_id"] == code).sum()) for p in parts]
                  for code, _ in frame_codes]).reshape(len(frame_codes), len(parts))
    cases = np.array([float(p[2]["response_id"].nunique()) for p in parts])
    responses = n.sum(axis=0)
    if len(frame_codes):
        mask, _ = disclosure.suppression_mask(n, k)
    else:
        mask = np.zeros((1, len(parts) + 1), dtype=bool)
    base_hidden = np.array([bool(k) and 0 < c < k for c in cases])
    records = []
    for i, (code, label) in enumerate(frame_codes):
        for j, (key, column_label, _part) in enumerate(parts):
            hidden = bool(mask[i, j]) or bool(base_hidden[j])
            records.append({
                "option": code, "option_label": label, "column": key,
                "column_label": column_label, "n": np.nan if hidden else n[i, j],
                "count": np.nan if hidden else n[i, j],
                "pct_cases": np.nan if hidden or not cases[j] else 100 * n[i, j] / cases[j],
                "pct_responses": np.nan if hidden or not responses[j]
                else 100 * n[i, j] / responses[j], "suppressed": hidden})
    table = pd.DataFrame(records, columns=["option", "option_label", "column", "column_label",
                                           "n", "count", "pct_cases", "pct_responses",
                                           "suppressed"])
    bases = pd.DataFrame({"column": [p[0] for p in parts], "column_label": [p[1] for p in parts],
                          "n": np.where(base_hidden, np.nan, cases),
                          "cases": np.where(base_hidden, np.nan, cases),
                          "responses": np.where(base_hidden, np.nan, responses),
                          "suppressed": base_hidden})
    notes = [Message(vi="% trên số ý kiến đã mã hóa; một ý kiến có thể mang nhiều mã.",
                     en="% of coded answers; an answer may carry several codes.", code="coded")]
    hidden_count = int(table["suppressed"].sum())
    if hidden_count:
        notes.append(disclosure.suppression_note(k, hidden_count))
    cells = table.loc[table["suppressed"], ["option", "column"]].rename(columns={"option": "row"})
    cells["reason"] = "primary-or-complementary"
    return MultipleTable(variable.key, variable.label, (by,) if by else (), table, bases, False,
                         tuple(notes), Suppression(k, cells) if k else None)


def counts(conn, campaign_id: int, variable: TextVariable,
           frame_codes: Sequence[tuple[int, str]], compare: str | None,
           groups: Sequence[tuple[str, Sequence[int]]]) -> dict[str, Any]:
    """What the report needs of a coded variable (:class:`analysis.report.OpenAnswers`
    fields): answers received and coded, and per code the coded answers giving it, overall
    and per comparison group. Raw counts: the report applies disclosure control."""
    received = texts(conn, campaign_id, variable, limit=0)[0]
    frame = _coded_frame(conn, campaign_id, variable.key, compare)
    columns = [("total", "Chung", None)] + [(label, label, members) for label, members in groups]
    parts = _columns(frame, columns)
    return {
        "received": received, "coded": int(frame["response_id"].nunique()),
        "columns": tuple(label for _key, label, _m in columns),
        "bases": tuple(int(p[2]["response_id"].nunique()) for p in parts),
        "codes": tuple((label, tuple(int((p[2]["code_id"] == code).sum()) for p in parts))
                       for code, label in frame_codes)}


def approved_quotes(conn, campaign_id: int, variable: str) -> list[str]:
    """Quotes the analyst approved (the report checks them again before printing)."""
    q, r = quote_table.c, response_table.c
    return [row[0] for row in conn.execute(
        sa.select(q.text).select_from(quote_table.join(response_table, r.id == q.response_id))
        .where(r.campaign_id == campaign_id, q.variable == variable, q.approved.is_(True))
        .order_by(q.response_id))]


# ------------------------------------------------------------------ suggestions

def normalise(text: str) -> str:
    """Lower case, no diacritics (đ → d), words only: for search and similarity."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(re.findall(r"\w+", text))


def _words(text: str) -> set[str]:
    words = normalise(text).split()
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


def suggest(text: str, coded: Sequence[tuple[str, set[int]]], limit: int = 3,
            threshold: float = 0.2) -> list[int]:
    """Codes of the most similar coded answers (Jaccard similarity of words and word pairs,
    diacritics ignored), most supported first."""
    mine = _words(text)
    if not mine:
        return []
    scores: dict[int, float] = {}
    for other, given in coded:
        theirs = _words(other)
        if not theirs:
            continue
        similarity = len(mine & theirs) / len(mine | theirs)
        if similarity >= threshold:
            for code in given:
                scores[code] = scores.get(code, 0.0) + similarity
    return [code for code, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:limit]]
