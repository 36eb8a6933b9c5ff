"""Tables: frequencies, cross-tabs, multiple choice, ranking, numeric, Likert, the banner book.

Every function takes a *source* (:class:`analysis.source.DatabaseSource` — counting pushed down
into the database — or :class:`analysis.source.FrameSource`), asks it for small aggregated frames
and builds a result object of :mod:`analysis.results`. Weighting (:class:`Weights`) is applied to
the aggregated frames: raking weights are a function of the raking cells, so the database groups
by those cells too and pandas multiplies by the cell weight.

Missing-value codes (options marked ``missing``) are excluded from cross-tabs, valid percentages,
means and tests unless ``include_missing=True``; the frequency table shows them.

Disclosure control (:mod:`analysis.disclosure`) applies to every table unless ``k=None``
(internal use): bases under k are refused, cells under k and their complements are blanked.

One module per kind of table (:mod:`.frequency`, :mod:`.crosstab`, :mod:`.multiple`,
:mod:`.ranking`, :mod:`.numeric`, :mod:`.likert`) and the banner book of them all (:mod:`.book`);
:mod:`.weighted` holds the aggregation they share, :mod:`.cells` their codes and percentages.
"""
from __future__ import annotations

from analysis.disclosure import DEFAULT_K
from analysis.tables.book import banner_book
from analysis.tables.crosstab import crosstab
from analysis.tables.frequency import frequencies
from analysis.tables.likert import likert
from analysis.tables.multiple import multiple
from analysis.tables.numeric import numeric
from analysis.tables.ranking import ranking
from analysis.tables.weighted import Weights

__all__ = ["Weights", "frequencies", "crosstab", "multiple", "ranking", "numeric", "likert",
           "banner_book", "DEFAULT_K"]
