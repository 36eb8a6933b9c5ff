"""What the respondent flow keeps in memory: one bounded cache of published questionnaire
versions, each with everything derived from it.

A published version never changes (its content hash guards that), so its parsed definition, the
pages, the whole questionnaire as one page, the option labels per language and the rendered
fragments and frames can be kept for the process's lifetime instead of being read and
JSON-decoded from the database several times per request. One object holds all of it, bounded
twice (versions, and entries per version), so a long-running worker never grows without limit.
It lives on the app (``app.extensions``), so a test's fresh app never sees another's versions.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

from markupsafe import Markup

from survey.questionnaire import iter_pages, label_text
from survey.questionnaire.runtime.render import FragmentCache, FrameCache

EXTENSION = "respond_versions"


@dataclass(eq=False)
class Version:
    """One published version and what the respondent pages derive from it. Read-only for
    callers: the definition is shared by every request."""

    id: int
    definition: dict[str, Any]
    fragments: FragmentCache | None
    frames: FrameCache | None
    _labels: dict[tuple[str, str], dict[Any, str]] = field(default_factory=dict, repr=False)
    _whole: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def pages(self) -> list[dict[str, Any]]:
        return self.definition.get("pages") or []

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def whole_page(self) -> dict[str, Any]:
        """Every item as one page: the form of the one-document flow is read with it."""
        if self._whole is None:
            self._whole = {"items": [item for page in iter_pages(self.definition)
                                     for item in page.get("items") or []]}
        return self._whole

    def option_labels(self, item: dict[str, Any], lang: str) -> dict[Any, str]:
        """An item's option texts by code in ``lang`` (the review lists every answer)."""
        key = (item["id"], lang)
        labels = self._labels.get(key)
        if labels is None:
            labels = self._labels[key] = {option["code"]: label_text(option["label"], lang)
                                          for option in item.get("options") or []}
        return labels

    def frame(self, template: str, render: Callable[[dict[str, Markup]], str],
              holes: dict[str, str], context: dict[str, Any], cacheable: bool = True) -> str:
        """The page ``render`` makes: from the frame cache when ``cacheable``, else in full.

        The cache key is built from ``context``, which must be every value the template reads
        besides the holes (per-request HTML such as the CSRF token): so a value the template
        reads can never be left out of the key. Values must be plain (text, numbers, tuples,
        enums, ``None``); anything else is refused rather than keyed by identity.
        """
        if not cacheable or self.frames is None:
            return render({name: Markup(value) for name, value in holes.items()})
        key = (template, tuple(sorted((name, _plain(value)) for name, value in context.items())))
        return self.frames.render(key, render, holes)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, Enum)):
        return value
    if isinstance(value, tuple):
        return tuple(_plain(each) for each in value)
    raise TypeError(f"a frame's context must hold plain values, not {type(value).__name__}")


class VersionCache:
    """Published versions by id, least recently used first out."""

    def __init__(self, load: Callable[[int], dict[str, Any]], rendered: bool = True,
                 size: int = 32, fragments_per_version: int = 4096,
                 frames_per_version: int = 1024) -> None:
        self.load = load
        self.rendered = rendered
        self.size = size
        self.fragments_per_version = fragments_per_version
        self.frames_per_version = frames_per_version
        self.entries: OrderedDict[int, Version] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, version_id: int) -> Version:
        version = self.entries.get(version_id)
        if version is None:
            definition = self.load(version_id)  # outside the lock: a database read
            version = Version(
                version_id, definition,
                FragmentCache(self.fragments_per_version) if self.rendered else None,
                FrameCache(self.frames_per_version) if self.rendered else None)
            with self.lock:
                version = self.entries.setdefault(version_id, version)
        with self.lock:
            if version_id in self.entries:
                self.entries.move_to_end(version_id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return version
