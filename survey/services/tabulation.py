"""What the analyst pages ask of the data: campaigns with their counts, their analysis source,
filters read from the query string, population margins (from campaign targets), the table for a
request, and the coded open answers a report quotes.

The banners an analyst may cross by, filter by or tabulate are the questionnaire's banner items
and the collection mode (``MODE``, :mod:`analysis.mode`: web, paper, import), which no
questionnaire asks but every response has (:func:`banner_items`).

No ``request`` here: views parse the query string with :func:`table_request` and pass plain
values, so the CLI and the background export jobs use the same functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Mapping

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis import DatabaseSource, Filter, crosstab, frequencies, likert, multiple, numeric, ranking
from analysis import mode as collection
from analysis.synthetic import counted, synthetic_only
from survey.models import Campaign, CampaignTarget, Response, ResponseStatus
from survey.questionnaire import banners, find_item, iter_items, label_text
from survey.services.campaigns import list_campaigns

TABLE_TYPES = ("single", "grid", "multiple", "ranking", "numeric")


def campaigns(session: Session) -> list[tuple[Campaign, int]]:
    """Every campaign with its number of complete responses analysis counts (synthetic ones
    only in a campaign without real ones, see :func:`analysis.synthetic.counted`), newest
    first."""
    counts = dict(session.execute(
        select(Response.campaign_id, func.count()).where(
            Response.status == ResponseStatus.COMPLETE, counted(Response.__table__))
        .group_by(Response.campaign_id)).all())
    return [(c, int(counts.get(c.id, 0))) for c in list_campaigns(session)]


def is_synthetic(session: Session, campaign: Campaign) -> bool:
    """Whether the campaign's data are synthetic only: then every page, export and report of it
    carries :data:`analysis.synthetic.NOTICE`."""
    return campaign.id in synthetic_only(session, [campaign.id])


def synthetic_campaigns(session: Session) -> set[int]:
    """Every campaign whose data are synthetic only (the analyst's campaign list marks them)."""
    return synthetic_only(session)


def source_for(engine, campaign: Campaign) -> DatabaseSource:
    return DatabaseSource(engine, campaign.version_id, campaign.version.definition)


def banner_items(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The questionnaire's banner items, then the collection mode
    (:func:`analysis.mode.item_for`): every response has a mode and answers can differ by it
    (mode effects), so it is offered wherever a banner is without any questionnaire declaring
    it."""
    return [*banners(definition), collection.item_for(definition)]


def find_variable(definition: Mapping[str, Any], variable: str) -> dict[str, Any] | None:
    """The item of ``variable`` (``B2.3`` finds grid ``B2``), or None. Unlike
    :func:`survey.questionnaire.find_item` it knows the collection mode, which is in no
    definition but may be asked for wherever an item may."""
    found = find_item(definition, variable)
    if found is None and variable == collection.variable_for(definition):
        return collection.item_for(definition)
    return found


def item_choices(definition: Mapping[str, Any], language: str = "vi") -> list[tuple[str, str]]:
    """Items a table can be made of: the questions (banners aside), then the mode."""
    questions = [item for item in iter_items(definition) if item.get("type") in TABLE_TYPES
                 and item.get("role") != "banner"]
    return [(item["id"], f"{item['id']}. {label_text(item.get('label'), language)}")
            for item in [*questions, collection.item_for(definition)]]


def banner_choices(definition: Mapping[str, Any], language: str = "vi") -> list[tuple[str, str]]:
    return [(item["id"], f"{item['id']}. {label_text(item.get('label'), language)}")
            for item in banner_items(definition)]


@dataclass(frozen=True)
class TableRequest:
    """A table the analyst asked for: item × banner (optionally a nested second banner)
    under filters; ``mode`` percent or count, ``barmode`` group or stack. ``values`` holds the
    filter of every banner, the collection mode's under ``mode_variable`` (``MODE``)."""

    item: str
    banner: str | None = None
    banner2: str | None = None
    values: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    mode: str = "percent"
    barmode: str = "group"
    weighted: bool = False
    mode_variable: str = collection.VARIABLE
    partials: bool = False  # also count partial responses (sent unfinished); default: completes

    def analysis_filter(self, campaign: Campaign) -> Filter:
        values = {v: codes for v, codes in self.values.items() if v != self.mode_variable}
        return Filter(campaign_ids=(campaign.id,), values=values,
                      modes=tuple(self.values.get(self.mode_variable, ())),
                      date_from=self.date_from, date_to=self.date_to,
                      complete_only=not self.partials)

    def selection(self, campaign: Campaign) -> Filter:
        """The same filter for a data file, narrowed to the campaign's version."""
        return replace(self.analysis_filter(campaign), version_id=campaign.version_id)

    def query(self) -> dict[str, Any]:
        """Back to query-string arguments (for download links)."""
        args: dict[str, Any] = {"item": self.item, "mode": self.mode, "barmode": self.barmode}
        if self.banner:
            args["banner"] = self.banner
        if self.banner2:
            args["banner2"] = self.banner2
        if self.date_from:
            args["date_from"] = self.date_from.isoformat()
        if self.date_to:
            args["date_to"] = self.date_to.isoformat()
        if self.weighted:
            args["weighted"] = "1"
        if self.partials:
            args["partials"] = "1"
        for variable, codes in self.values.items():
            args[f"f_{variable}"] = list(codes)
        return args


class RequestError(ValueError):
    """A query string that names no valid table; ``str()`` is the message to show."""


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RequestError(name) from exc


def table_request(definition: Mapping[str, Any], args) -> TableRequest | None:
    """Parse ``args`` (a MultiDict); None when no item was chosen yet. Raises
    :class:`RequestError` (message: which field is wrong) for unknown items, banners or codes."""
    item = args.get("item")
    if not item:
        return None
    found = find_variable(definition, item)
    if found is None or found.get("type") not in TABLE_TYPES or "." in item:
        raise RequestError("item")
    banner_ids = {b["id"]: b for b in banner_items(definition)}
    banner = args.get("banner") or None
    banner2 = args.get("banner2") or None
    for name, value in (("banner", banner), ("banner2", banner2)):
        if value is not None and value not in banner_ids:
            raise RequestError(name)
    if banner2 and not banner:
        banner, banner2 = banner2, None
    if banner2 and (banner2 == banner or found.get("type") != "single"):
        banner2 = None
    values: dict[str, tuple[int, ...]] = {}
    for variable, item_def in banner_ids.items():
        raw = args.getlist(f"f_{variable}")
        if not raw:
            continue
        allowed = {o["code"] for o in item_def.get("options") or []}
        try:
            codes = tuple(sorted({int(c) for c in raw}))
        except ValueError as exc:
            raise RequestError(f"f_{variable}") from exc
        if not set(codes) <= allowed:
            raise RequestError(f"f_{variable}")
        values[variable] = codes
    mode = args.get("mode", "percent")
    barmode = args.get("barmode", "group")
    return TableRequest(item=item, banner=banner, banner2=banner2, values=values,
                        date_from=_date(args.get("date_from"), "date_from"),
                        date_to=_date(args.get("date_to"), "date_to"),
                        mode=mode if mode in ("percent", "count") else "percent",
                        barmode=barmode if barmode in ("group", "stack") else "group",
                        weighted=args.get("weighted") == "1",
                        partials=args.get("partials") == "1",
                        mode_variable=collection.variable_for(definition))


def describe_filter(definition: Mapping[str, Any], request: TableRequest,
                    language: str = "vi") -> list[str]:
    """The active filter in words, one part per banner or date bound ("Cấp công tác: Tỉnh,
    Xã"); empty when every response counts."""
    from flask_babel import format_date, gettext as _

    by_id = {b["id"]: b for b in banner_items(definition)}
    parts = []
    for variable, codes in request.values.items():
        item = by_id.get(variable, {})
        labels = {o["code"]: label_text(o.get("label"), language)
                  for o in item.get("options") or []}
        parts.append(f"{label_text(item.get('label'), language) or variable}: "
                     + ", ".join(labels.get(c, str(c)) for c in codes))
    if request.date_from:
        parts.append(_("từ ngày %(day)s", day=format_date(request.date_from)))
    if request.date_to:
        parts.append(_("đến ngày %(day)s", day=format_date(request.date_to)))
    if request.partials:
        parts.append(_("gồm cả phiếu chưa hoàn thành"))
    return parts


def margins_from_targets(session: Session, campaign: Campaign) -> dict[str, pd.Series]:
    """Population margins for raking from the campaign's targets: a target's ``dimension`` is
    matched to the banner item of that dimension (or to an item id)."""
    definition = campaign.version.definition
    by_dimension = {b.get("dimension"): b["id"] for b in banners(definition)}
    items = {b["id"] for b in banners(definition)}
    margins: dict[str, dict[int, float]] = {}
    for target in session.scalars(select(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id)):
        variable = by_dimension.get(target.dimension) or (
            target.dimension if target.dimension in items else None)
        if variable is not None and target.target > 0:
            margins.setdefault(variable, {})[target.code] = float(target.target)
    return {v: pd.Series(m, dtype=float) for v, m in margins.items()}


def weights_for(session: Session, campaign: Campaign, source, flt: Filter):
    """Cell weights raked to the campaign's targets, or None when it has none."""
    from analysis.weighting import cell_weights

    margins = margins_from_targets(session, campaign)
    if not margins:
        return None
    return cell_weights(source, margins, flt)


def build_table(source, definition: Mapping[str, Any], request: TableRequest, flt: Filter,
                weights, k: int, language: str = "vi"):
    """The analysis result for a request (raises ``DisclosureRefused`` under k)."""
    kind = find_variable(definition, request.item)["type"]
    common = dict(flt=flt, weights=weights, k=k, language=language)
    if kind == "single":
        if request.banner and request.banner != request.item:
            return crosstab(source, request.item, request.banner, request.banner2, **common)
        return frequencies(source, request.item, **common)
    if kind == "grid":
        return likert(source, request.item, request.banner, **common)
    if kind == "multiple":
        return multiple(source, request.item, request.banner, **common)
    if kind == "ranking":
        return ranking(source, request.item, request.banner, **common)
    return numeric(source, request.item, request.banner, **common)


def sample_description(source, definition: Mapping[str, Any], flt: Filter, weights, k: int,
                       language: str = "vi") -> list[tuple[dict, Any, Any]]:
    """(banner item, unweighted frequency, weighted frequency or None) for every banner and
    the collection mode — but not the mode of synthetic data only, which has none."""
    from analysis.disclosure import DisclosureRefused

    items = banners(definition)
    if not (flt.campaign_ids and set(flt.campaign_ids) <= set(source.synthetic_campaigns)):
        items.append(collection.item_for(definition))
    out = []
    for item in items:
        try:
            plain = frequencies(source, item["id"], flt=flt, k=k, language=language)
            weighted = frequencies(source, item["id"], flt=flt, weights=weights, k=k,
                                   language=language) if weights is not None else None
        except DisclosureRefused as refused:
            out.append((item, refused, None))
            continue
        out.append((item, plain, weighted))
    return out


def banner_labels(definition: Mapping[str, Any], language: str = "vi") -> dict[str, str]:
    """Banner id → its label, for tables that carry only ids."""
    return {item["id"]: label_text(item.get("label"), language)
            for item in banner_items(definition)}


def open_answers(session: Session, campaign: Campaign, language: str = "vi") -> dict[str, Any]:
    """Coded open answers of the campaign for the report (only variables with a coding frame),
    with the quotes the analyst approved."""
    from analysis import coding as C
    from analysis.report import OpenAnswers
    from analysis.report.outline import outline_for

    definition = campaign.version.definition
    outline = outline_for(definition, language)
    comparison = outline.comparison
    groups = [(g.label, g.codes) for g in comparison.groups] if comparison else []
    found = {}
    with session.get_bind().connect() as conn:
        for variable in C.text_variables(definition, language):
            frame = C.codes_of(conn, campaign.id, variable.key)
            if not frame:
                continue
            counted = C.counts(conn, campaign.id, variable, frame,
                               comparison.item if comparison else None, groups)
            found[variable.key] = OpenAnswers(
                variable.key, quotes=tuple(C.approved_quotes(conn, campaign.id, variable.key)),
                **counted)
    return found
