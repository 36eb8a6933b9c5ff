from __future__ import annotations

from flask.cli import AppGroup

analysis_cli = AppGroup("analysis", help="Tables, weights and exports.")
