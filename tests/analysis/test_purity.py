"""``analysis/`` never imports Flask or the app (it may read survey.questionnaire helpers and the
survey.models table metadata)."""
from __future__ import annotations

import ast
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent.parent.parent / "analysis"
ALLOWED_SURVEY = ("survey.questionnaire", "survey.models")


def test_analysis_imports_no_flask_and_no_app_modules():
    offending = []
    for path in ANALYSIS.rglob("*.py"):
        if "exports" in path.parts:  # owned and checked by the exports helper
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("flask", "flask_sqlalchemy", "werkzeug") or (
                        top == "survey" and not name.startswith(ALLOWED_SURVEY)):
                    offending.append(f"{path.name}: {name}")
    assert offending == []
