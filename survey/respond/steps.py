"""Where a respondent goes next: pure functions of the definition, the answers and the form.

Both flows decide with these: the page-by-page flow (one page per request) and the one-document
flow (the script turns the pages, the form comes back whole). Steps are numbered as the URLs
are: 0 the introduction, 1…N the pages, N+1 the review. Nothing here reads a request or writes
the database: a decision is an outcome the view carries out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from survey.questionnaire.runtime import rules


@dataclass(frozen=True)
class ShowPage:
    """Show page ``index`` (0-based) again: with its ``errors``, or with a notice that the
    answers revealed questions or options the respondent has not seen (``revealed``)."""

    index: int
    errors: dict[str, str] = field(default_factory=dict)
    revealed: bool = False

    @property
    def status(self) -> int:
        return 422 if self.errors and not self.revealed else 200


@dataclass(frozen=True)
class GoTo:
    """Move on to ``step`` (a page, or the review at N+1)."""

    step: int


Outcome = ShowPage | GoTo


def next_step(definition: dict[str, Any], answers: dict[str, Any], after: int) -> int:
    """The first visible page after 0-based page ``after``, as a step (N+1: the review)."""
    for index in rules.visible_pages(definition, answers):
        if index > after:
            return index + 1
    return len(definition.get("pages") or []) + 1


def previous_step(definition: dict[str, Any], answers: dict[str, Any], before: int) -> int:
    """The last visible page before 0-based page ``before``, as a step (0: the introduction)."""
    earlier = [i for i in rules.visible_pages(definition, answers) if i < before]
    return earlier[-1] + 1 if earlier else 0


def progress(definition: dict[str, Any], answers: dict[str, Any], index: int) -> tuple[int, int]:
    """("page a of b") counting only the pages these answers show."""
    shown = rules.visible_pages(definition, answers)
    position = sum(1 for i in shown if i <= index) if index in shown else len(shown)
    return position, max(len(shown), 1)


def steps_reached(furthest: int, page_count: int, visible: Iterable[int], step: int) -> list[int]:
    """The steps after ``furthest`` up to ``step`` that a respondent passes through: visible
    pages and the review (what the monitor counts, once per draft and step)."""
    shown = set(visible)
    return [each for each in range(furthest + 1, step + 1)
            if each > page_count or each - 1 in shown]


def check_pages(definition: dict[str, Any], indices: Iterable[int], answers: dict[str, Any],
                page_input: rules.PageInput, seen: set[str], lang: str) -> ShowPage | None:
    """The first of pages ``indices`` to show again, or ``None`` when all of them may be left.

    A page is shown again when its answers fail its rules, or when the answers revealed a
    question or option the respondent has not seen (``seen``: the tokens the page reported);
    then only the errors of what was already seen are shown, the rest waits for the next try.
    """
    pages = definition.get("pages") or []
    for index in indices:
        page = pages[index]
        errors = rules.validate_page(page, answers, page_input, lang)
        unseen = rules.offer_tokens(page, answers) - seen
        if unseen:
            new_items = {token.split(":")[0] for token in unseen}
            return ShowPage(index, {key: value for key, value in errors.items()
                                    if key not in new_items}, revealed=True)
        if errors:
            return ShowPage(index, errors)
    return None


def after_page(definition: dict[str, Any], index: int, answers: dict[str, Any],
               page_input: rules.PageInput, seen: set[str], lang: str) -> Outcome:
    """A page was sent with "Tiếp tục": show it again, or go to the next visible step."""
    again = check_pages(definition, [index], answers, page_input, seen, lang)
    return again or GoTo(next_step(definition, answers, index))


def after_document(definition: dict[str, Any], answers: dict[str, Any],
                   page_input: rules.PageInput, seen: set[str], lang: str) -> Outcome:
    """The whole questionnaire was sent: the first page to show again, or the review."""
    visible = rules.visible_pages(definition, answers)
    again = check_pages(definition, visible, answers, page_input, seen, lang)
    return again or GoTo(len(definition.get("pages") or []) + 1)


def partial_answers(definition: dict[str, Any], answers: dict[str, Any], lang: str
                    ) -> dict[str, Any]:
    """What a questionnaire sent unfinished ("Gửi phần đã trả lời") stores: the answers given,
    pruned by the rules, without any answer that breaks its question's rules (a number out of
    range typed on the page being left, say): what is stored satisfies every rule but
    ``required``, and what is missing stays empty."""
    answers = rules.prune(definition, answers)
    # Checked as if nothing were required: a grid with some rows answered keeps them.
    pages = [dict(page, items=[dict(item, required=False) for item in page.get("items") or []])
             for page in definition.get("pages") or []]
    for _round in range(3):  # dropping an answer may hide a question that depended on it
        bad: set[str] = set()
        for index in rules.visible_pages(definition, answers):
            bad |= set(rules.validate_page(pages[index], answers, None, lang))
        bad = {item for item in bad if item in answers or f"{item}.other" in answers}
        if not bad:
            break
        answers = rules.prune(definition, {key: value for key, value in answers.items()
                                           if key.split(".")[0] not in bad})
    return answers
