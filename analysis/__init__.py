"""Survey analysis: frequencies, cross-tabulations, weighting, disclosure control, charts, exports.

A pure package: pandas, scipy and plotly only. It never imports Flask or the app; database
access goes through SQLAlchemy Core with an engine passed in. Of ``survey`` it reads only the pure
layer: the stored tables' Core definitions (:mod:`survey.schema`), the clock
(:mod:`survey.clock`) and the questionnaire format (:mod:`survey.questionnaire`, not its
Flask-Babel runtime); ``tests/analysis/test_purity.py`` holds it to that.

Public API (everything importable from ``analysis``)
====================================================

Sources — where counts come from (:mod:`analysis.source`)
    ``DatabaseSource(engine, version_id, definition)``: responses of one published version;
    counting is pushed down as ``SELECT … GROUP BY`` on a materialised wide table
    (:mod:`analysis.wide`, built and refreshed automatically). ``FrameSource(definition, frame,
    weight_column=None)``: the same from a DataFrame in the wide layout (:mod:`analysis.layout`;
    ``wide_frame(definition, answers_dicts)`` builds one). ``Filter(campaign_ids=(), values={var:
    codes}, date_from=None, date_to=None, complete_only=True, version_id=None, modes=())``
    (:mod:`analysis.filters`) selects responses, for tables and data files alike.

Tables (:mod:`analysis.tables`) — each returns a result object (:mod:`analysis.results`)
    ``frequencies(source, variable, flt, weights, k)`` → :class:`Frequency`
    ``crosstab(source, item, by, by2=None, flt, weights, k, alpha)`` → :class:`CrossTab`
    ``multiple(source, item, by=None, …)`` → :class:`MultipleTable`
    ``ranking(source, item, by=None, …)`` → :class:`RankingTable`
    ``numeric(source, item, by=None, …)`` → :class:`NumericSummary`
    ``likert(source, item, by=None, top_codes=None, …)`` → :class:`LikertTable`
    ``banner_book(source, banners, items=None, …)`` → :class:`Book` (every item × every banner)
    Variables are questionnaire names: ``A2``, a grid row ``B2.3``, an item id for multiple /
    ranking; and ``MODE``, the collection mode (:mod:`analysis.mode`: 1 web, 2 paper, 3 import),
    a single choice every response has. ``k`` is the disclosure threshold (default 5; ``None`` =
    internal, no control).

Results (:mod:`analysis.results`) — frozen dataclasses: a tidy ``table`` DataFrame (one row per
    cell; suppressed cells are NaN with ``suppressed=True``) plus labels, ``bases``, ``tests``
    (:class:`TestResult`: name says which statistic and p), ``notes`` (:class:`Message` with
    ``vi``/``en``), ``suppression`` (:class:`Suppression`: k and the blanked cells). Renderers
    print ``SUPPRESSED_MARK`` ("x") for suppressed cells and show every note.

Weighting (:mod:`analysis.weighting`)
    ``read_margins(csv)``, ``rake(frame, margins, start_weights=None, trim=…)`` →
    :class:`RakingResult` (weights, convergence report, diagnostics: Kish effective n, design
    effect of weighting, min/max); ``cell_weights(source, margins, flt)`` rakes a source's
    respondents by pushing the raking cells down and returns :class:`Weights` for any table.

Design-based inference (:mod:`analysis.design`)
    ``svy_crosstab(frame, row, column, weight, strata=None, psu=None, fpc=None,
    frequency=None)`` → :class:`DesignTable`: Taylor-linearised SEs of cell proportions (and
    95% CIs), Rao-Scott corrected Pearson and likelihood-ratio tests (second-order F with
    Satterthwaite df — R ``svychisq``'s default, shown as ``shown_test`` — and the first-order
    chi-square p); every :class:`TestResult` names its statistic and p.
    ``design_crosstab(source, item, by, strata=banner, population={code: N}, weights=…)``
    does the same on a source, counting in the database (respondents are the PSUs).

Other
    ``analysis.text.render(result, language)``: plain-text table (CLI).
    ``analysis.synthetic``: synthetic responses for any questionnaire (bench, demos, tests).
    ``analysis.report``: the Word report in the questionnaire's outline (``report:``), with
    findings in words backed by tests; ``analysis.coding``: coded open answers (texts, counts,
    the coded variable as a multiple choice); ``analysis.quotes``: the identifying-detail check
    a quote must pass.
    ``analysis.wide``: the materialised wide table (``ensure``, ``drop``); a cache, rebuilt
    from ``response``/``answer`` whenever needed. ``analysis.covering``: covering indexes on
    it, built on first use by narrow queries (a cross-tab: ~0.2 s at 1M responses instead of
    ~1.3 s), bounded in number, dropped with the table.

Disclosure control (:mod:`analysis.disclosure`)
    ``DisclosureRefused`` (a ``ValueError``; ``.message`` has ``vi``/``en``) is raised when a
    table's base is under k; cells under k and complementary cells are suppressed.
"""
from __future__ import annotations

from analysis.disclosure import DEFAULT_K, DisclosureRefused
from analysis.layout import Layout, layout_for, wide_frame
from analysis.results import (SUPPRESSED_MARK, Book, CrossTab, Frequency, LikertTable, Message,
                              MultipleTable, NumericSummary, RankingTable, Suppression,
                              TestResult)
from analysis.filters import Filter
from analysis.source import Agg, DatabaseSource, FrameSource
from analysis.tables import (Weights, banner_book, crosstab, frequencies, likert, multiple,
                             numeric, ranking)
from analysis.design import DesignTable, design_crosstab, svy_crosstab  # noqa: E402
from analysis.weighting import (RakingResult, cell_weights, diagnostics, rake,  # noqa: E402
                                read_margins)

__all__ = [
    "DEFAULT_K", "DisclosureRefused", "Layout", "layout_for", "wide_frame", "SUPPRESSED_MARK",
    "Book", "CrossTab", "Frequency", "LikertTable", "Message", "MultipleTable", "NumericSummary",
    "RankingTable", "Suppression", "TestResult", "Agg", "DatabaseSource", "FrameSource", "Filter",
    "Weights", "banner_book", "crosstab", "frequencies", "likert", "multiple", "numeric",
    "ranking", "DesignTable", "design_crosstab", "svy_crosstab", "RakingResult", "cell_weights",
    "diagnostics", "rake", "read_margins",
]
