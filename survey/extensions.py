"""Extensions, created unbound and bound to the app in :func:`survey.app.create_app`."""
from __future__ import annotations

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from survey.models.base import Base

# expire_on_commit=False: a committed object keeps its loaded values instead of reloading every
# attribute (one SELECT per object) on next access. Each request has its own session, removed
# at teardown, so values never outlive the request that loaded them; code that needs another
# transaction's changes after a commit asks for them (``session.refresh`` / ``expire``).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
