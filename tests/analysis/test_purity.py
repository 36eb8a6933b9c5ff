"""``analysis/`` imports nothing of the app: of ``survey`` only the pure layer, the stored tables'
Core definitions (``survey.schema``), the clock (``survey.clock``) and the questionnaire format
(``survey.questionnaire``, but not its runtime, which renders pages with Flask-Babel). No
exception, no file left out."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ANALYSIS = ROOT / "analysis"
PURE = ("survey.schema", "survey.clock", "survey.questionnaire")
NOT_PURE = ("survey.questionnaire.runtime",)
FLASK = ("flask", "flask_babel", "flask_sqlalchemy", "flask_migrate", "flask_wtf", "werkzeug")


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in FLASK:
        return False
    if top != "survey":
        return True
    return _within(name, PURE) and not _within(name, NOT_PURE)


def _imports(path: Path) -> list[str]:
    """Every module an ``import`` or ``from … import`` names, at any depth (function-level
    imports included); ``from survey import schema`` names ``survey.schema``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "survey":
                names += [f"survey.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
    return names


def _modules() -> list[str]:
    modules = []
    for path in sorted(ANALYSIS.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_analysis_imports_only_the_pure_layer_of_survey():
    offending = [f"{path.relative_to(ROOT)}: {name}"
                 for path in sorted(ANALYSIS.rglob("*.py"))
                 for name in _imports(path) if not _allowed(name)]
    assert offending == []


def test_the_rule_refuses_the_app_and_accepts_the_pure_layer():
    assert not _allowed("survey.models.response")
    assert not _allowed("survey.services.tabulation")
    assert not _allowed("survey")  # the package itself: ``import survey`` reaches nothing pure
    assert not _allowed("survey.questionnaire.runtime.render")
    assert not _allowed("flask_babel")
    assert _allowed("survey.schema") and _allowed("survey.clock")
    assert _allowed("survey.questionnaire") and _allowed("survey.questionnaire.storage")


def test_importing_every_analysis_module_loads_no_flask_and_no_models():
    """A fresh interpreter, so nothing the test session already imported can hide a breach."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "banned = ('flask', 'flask_babel', 'flask_sqlalchemy', 'survey.models')\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "                        if any(m == b or m.startswith(b + '.') for b in banned))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
