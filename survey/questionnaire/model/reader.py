"""Reading the values of a designer's file (labels, flags, numbers, expression texts, lists and
mappings) into canonical ones, each problem reported with its path instead of raised.

Collected, not raised one at a time, so that a designer sees every problem of a file in one run.
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping

from survey.questionnaire.model.problems import Path, Report
from survey.questionnaire.model.schema import LANGUAGE_RE


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ValueReader:
    """Readers of single values, each reporting its problems to ``report``. ``languages_seen``
    gathers the languages of the labels read, in order: a definition that names no
    ``languages`` gets those."""

    def __init__(self, report: Report):
        self.report = report
        self.languages_seen: list[str] = []

    def add(self, path: Path, where: str, message: str) -> None:
        self.report.add(path, where, message)

    # -- small values

    def label(self, value: Any, path: Path, where: str, what: str = "label",
              required: bool = True) -> dict[str, str] | None:
        if value is None:
            if required:
                self.add(path, where, f"missing {what}")
            return None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = {"vi": str(value)}
        if not isinstance(value, Mapping):
            self.add(path, where, f"{what} must be text or a mapping of language to text, "
                                  f"not {type(value).__name__}")
            return None
        result: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(lang, str) or not LANGUAGE_RE.match(lang):
                self.add(path, where, f"{what}: {lang!r} is not a language code such as vi or en")
                continue
            if text is None:
                continue
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                self.add(path + (lang,), where, f"{what} ({lang}) must be text")
                continue
            text = str(text).strip()
            if text:
                result[lang] = text
                if lang not in self.languages_seen:
                    self.languages_seen.append(lang)
        if "vi" not in result:
            self.add(path, where, f"{what} has no Vietnamese (vi) text")
        return result

    def expression(self, value: Any, path: Path, where: str, what: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) and value is True and what == "relevant":
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(path, where, f"{what} must be an expression (text)")
            return None
        text = str(value).strip()
        return text or None

    def flag(self, value: Any, path: Path, where: str, what: str, default: bool = False) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "true"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("no", "false"):
            return False
        self.add(path, where, f"{what} must be true or false, not {value!r}")
        return default

    def integer(self, value: Any, path: Path, where: str, what: str) -> int | None:
        if value is None:
            return None
        if _is_int(value):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        self.add(path, where, f"{what} must be a whole number, not {value!r}")
        return None

    def number(self, value: Any, path: Path, where: str, what: str) -> int | float | None:
        if value is None:
            return None
        if _is_number(value):
            return value
        self.add(path, where, f"{what} must be a number, not {value!r}")
        return None

    def unknown_keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], path: Path,
                     where: str, instead: Mapping[str, str] | None = None) -> None:
        """Report keys outside ``allowed`` with the likeliest meant one ("did you mean"): a
        close spelling (``randomise`` → ``randomize``), or the key this kind of item uses for
        the same thing (``instead``: ``max_select`` on a ranking → ``top``)."""
        for key in data:
            if key not in allowed:
                meant = (instead or {}).get(key) if isinstance(key, str) else None
                if meant is None and isinstance(key, str):
                    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
                    meant = close[0] if close else None
                if meant is not None:
                    hint = f" (did you mean {meant}?)"
                else:
                    hint = f" (allowed: {', '.join(allowed)})" if len(allowed) < 12 else ""
                self.add(path + (key,), where, f"unknown key {key!r}{hint}")

    def mapping(self, value: Any, path: Path, where: str, what: str) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.add(path, where, f"{what} must be a mapping of keys to values, "
                              f"not {type(value).__name__}")
        return None

    def sequence(self, value: Any, path: Path, where: str, what: str) -> list[Any]:
        if value is None:
            self.add(path, where, f"missing {what}")
            return []
        if isinstance(value, list):
            return value
        self.add(path, where, f"{what} must be a list, not {type(value).__name__}")
        return []
