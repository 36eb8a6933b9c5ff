"""Imports point down the picture in ARCHITECTURE.md: blueprints → services → models → the pure
layer. A module that imports upward (a service reaching into a blueprint, the format needing
Flask) fails here with its name and the import, before it becomes a tangle."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ("survey.respond", "survey.auth", "survey.designer", "survey.campaigns",
              "survey.analyst", "survey.admin", "survey.entry", "survey.paper", "survey.cli")
WEB = ("flask", "flask_babel", "flask_wtf", "flask_sqlalchemy", "jinja2", "werkzeug", "markupsafe")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _breaches(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    folder = ROOT.joinpath(*package.split("."))
    files = [folder.with_suffix(".py")] if folder.with_suffix(".py").exists() else sorted(folder.rglob("*.py"))
    out = []
    for path in files:
        name = _module(path)
        if any(name == a or name.startswith(a + ".") for a in allowed):
            continue
        for imported in _imports(path):
            if any(imported == f or imported.startswith(f + ".") for f in forbidden):
                out.append(f"{name} imports {imported}")
    return out


def test_services_never_import_a_blueprint():
    assert _breaches("survey.services", BLUEPRINTS) == []


def test_services_take_plain_values_not_the_request_or_the_app():
    """Only survey.services.settings reads the app (the anonymity floor and the secret key),
    and paper_print, which renders the app's templates for Chromium to print."""
    request_state = tuple(f"flask.{name}" for name in ("current_app", "request", "g", "session"))
    assert _breaches("survey.services", request_state,
                     allowed=("survey.services.settings", "survey.services.paper_print")) == []


def test_models_import_neither_services_nor_blueprints():
    assert _breaches("survey.models", ("survey.services", "survey.app") + BLUEPRINTS + WEB) == []


def test_the_pure_layer_needs_no_web_framework_and_nothing_above_it():
    above = ("survey.services", "survey.models", "survey.app", "survey.extensions") + BLUEPRINTS + WEB
    assert _breaches("survey.questionnaire", above, allowed=("survey.questionnaire.runtime",)) == []
    assert _breaches("survey.schema", above) == []
    assert _breaches("survey.clock", above) == []


def test_the_runtime_serves_views_but_imports_none():
    assert _breaches("survey.questionnaire.runtime",
                     ("survey.services", "survey.app") + BLUEPRINTS) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The scanner itself: a lazy import of a blueprint inside a function is found."""
    path = tmp_path / "mod.py"
    path.write_text("def f():\n    from survey.respond.views import page\n", encoding="utf-8")
    assert "survey.respond.views" in _imports(path)
