"""Signed-in designers: on SQLite and PostgreSQL (``designer``) or on SQLite only
(``local_designer``, for checks that do not depend on the engine)."""
from __future__ import annotations

import pytest

from survey.models import Role
from tests.helpers import login, make_user


@pytest.fixture
def designer(any_app):
    """A signed-in designer's client on SQLite and on PostgreSQL."""
    with any_app.app_context():
        make_user("lan", Role.DESIGNER)
    client = any_app.test_client()
    login(client, "lan")
    return client


@pytest.fixture
def local_designer(app):
    """A signed-in designer on SQLite only (for checks that do not depend on the engine)."""
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    client = app.test_client()
    login(client, "lan")
    return client
