"""The two platform-wide settings that services read from the running app, and nothing else.

Services take plain values. Two settings are exceptions by nature: the anonymity floor (no
campaign, batch, box or release may go below it, whoever calls) and the secret key (access codes
are hashed with it wherever they are checked). Threading them through every caller would let one
caller forget them, so they are read here, in one place, from the current app
(``tests/test_layers.py`` keeps every other service away from ``current_app``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context

DEFAULT_FLOOR = 5


def anonymity_floor(config: Mapping[str, Any] | None = None) -> int:
    """The smallest group any published figure, batch of codes, box of sheets or release may
    hold (``ANONYMITY_FLOOR``, never under 2), from ``config`` or the current app's config
    (:data:`DEFAULT_FLOOR` outside an app)."""
    if config is None:
        config = current_app.config if has_app_context() else {}
    return max(2, int(config.get("ANONYMITY_FLOOR", DEFAULT_FLOOR)))


def secret_key() -> str | bytes:
    """The app's ``SECRET_KEY``: the key of the access codes' HMAC."""
    return current_app.config["SECRET_KEY"]
