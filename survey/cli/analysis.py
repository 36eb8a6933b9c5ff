from __future__ import annotations

from flask.cli import AppGroup

analysis_cli = AppGroup("analysis", help="Tables, weights and exports.")

# The export command lives in its own module and registers itself on this group.
from survey.cli import analysis_export  # noqa: E402,F401
