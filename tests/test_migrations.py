"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""
from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from survey.app import create_app
from survey.config import TestConfig
from survey.extensions import db
from survey.models import Base


@pytest.fixture
def unmigrated_app(both_databases, tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = both_databases
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_matches_models(unmigrated_app):
    with unmigrated_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"response", "answer", "campaign", "access_code", "staff_user"} <= tables


def test_downgrade_to_base_and_back(unmigrated_app):
    with unmigrated_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "answer" in inspect(db.engine).get_table_names()
