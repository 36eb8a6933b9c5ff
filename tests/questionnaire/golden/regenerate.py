"""Rewrite the golden fixtures from the current code, deliberately.

Run it after changing a page rule or the expression evaluator on purpose, then read the diff of
``tests/questionnaire/golden/``: each changed line is one answer set (or expression) whose
outcome the change alters, and the commit should say why each is right::

    .venv/bin/python -m tests.questionnaire.golden.regenerate            # keep the inputs
    .venv/bin/python -m tests.questionnaire.golden.regenerate --resample # draw them afresh

Without ``--resample`` the stored inputs (definitions, answers, expressions) are kept and only
the expected outcomes are recorded again. ``--resample`` draws the pools again (fixed seeds) and
chooses the sample again (see ``sampling.py``): for when a definition or the sampling changes.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from tests.questionnaire import golden
from tests.questionnaire.golden import sampling

ABOUT_RULES = ("Golden fixture of the page rules (survey/questionnaire/runtime/rules.py): a "
               "definition and answer sets, each with what the rules make of it (see golden/"
               "__init__.py, observe_rules). Regenerate: python -m "
               "tests.questionnaire.golden.regenerate")
ABOUT_EXPRESSIONS = ("Golden fixture of the expression evaluator (survey/questionnaire/"
                     "expressions): expression text, answers and current value, with the "
                     "outcomes of evaluate and is_true. Regenerate: python -m "
                     "tests.questionnaire.golden.regenerate")


def _files(*prefixes: str) -> list[str]:
    return [module.__file__ for name, module in sorted(sys.modules.items())
            if name.startswith(prefixes) and getattr(module, "__file__", None)]


def rules_cases(name: str, rules: golden.Rules, resample: bool
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not resample:
        stored = golden.load(name)
        definition = golden.decode(stored["definition"])
        inputs = [golden.decode(case["answers"]) for case in stored["cases"]]
    else:
        definition, seed_name = sampling.definition(name)
        pool = sampling.answer_pool(definition, seed_name)
        current = golden.current_rules()
        files = _files("survey.questionnaire.runtime.rules", "survey.questionnaire.expressions")
        features = []
        for answers in pool:
            observed, arcs = sampling.traced(
                files, lambda answers=answers: golden.observe_rules(current, definition, answers))
            features.append(arcs | sampling.behaviours(observed, answers))
        inputs = [pool[i] for i in sampling.choose(features, sampling.RULES_SAMPLE, name)]
    cases = [{"answers": golden.encode(answers),
              "expect": golden.observe_rules(rules, definition, answers)} for answers in inputs]
    return definition, cases


def expression_cases(evaluate: Callable[..., Any], is_true: Callable[..., Any],
                     resample: bool) -> list[dict[str, Any]]:
    from survey.questionnaire.expressions import evaluate as current_evaluate
    from survey.questionnaire.expressions import is_true as current_is_true
    from survey.questionnaire.expressions import parse, to_text

    if not resample:
        inputs = [(case["text"], golden.decode(case["answers"]), golden.decode(case["current"]))
                  for case in golden.load(golden.EXPRESSIONS)["cases"]]
    else:
        pool = sampling.expression_pool()
        files = _files("survey.questionnaire.expressions")
        features = []
        for node, answers, current in pool:
            text = to_text(node)
            seen, arcs = sampling.traced(files, lambda text=text, answers=answers, current=current: [
                golden.observe_expression(current_evaluate, current_is_true, expr, answers, current)
                for expr in (text, parse(text))])
            features.append(arcs | {repr(each) for each in seen}
                            | sampling.value_features(node, answers, current))
        inputs = [(to_text(pool[i][0]), pool[i][1], pool[i][2])
                  for i in sampling.choose(features, sampling.EXPRESSION_SAMPLE, "expressions")]
    cases = []
    for text, answers, current in inputs:
        expected = golden.observe_expression(evaluate, is_true, text, answers, current)
        tree = golden.observe_expression(evaluate, is_true, parse(text), answers, current)
        if not golden.same(tree, expected):  # the test evaluates both forms against one record
            raise AssertionError(f"{text!r}: text and tree evaluate differently")
        cases.append({"text": text, "answers": golden.encode(answers),
                      "current": golden.encode(current), **expected})
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resample", action="store_true",
                        help="draw the input cases afresh (fixed seeds) instead of keeping them")
    args = parser.parse_args(argv)

    from survey.questionnaire.expressions import evaluate, is_true

    app = golden.babel_app()
    rules = golden.current_rules()
    with golden.vietnamese(app):
        for name in golden.RULES:
            definition, cases = rules_cases(name, rules, args.resample)
            golden.dump(name, ABOUT_RULES, cases, definition)
            print(f"{golden.path(name).name}: {len(cases)} answer sets")
        cases = expression_cases(evaluate, is_true, args.resample)
        golden.dump(golden.EXPRESSIONS, ABOUT_EXPRESSIONS, cases)
        print(f"{golden.path(golden.EXPRESSIONS).name}: {len(cases)} expressions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
