"""The flagship questionnaire with synthetic responses stored as the app stores them (``response``
+ ``answer``), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest

from analysis.layout import layout_for
from analysis.synthetic import store, synthetic_wide
from survey.extensions import db
from survey.questionnaire import load_file
from tests.helpers import make_campaign

FLAGSHIP = "questionnaires/ne-tranh-trach-nhiem.yaml"


@pytest.fixture
def loaded(any_app):
    """(engine, version id, definition, layout, 600 complete responses, 30 partial ones)."""
    definition = load_file(FLAGSHIP)
    layout = layout_for(definition)
    with any_app.app_context():
        campaign = make_campaign("phan-tich", definition=definition)
        version_id, campaign_id = campaign.version_id, campaign.id
        wide = synthetic_wide(definition, 600, seed=11, campaign_id=campaign_id)
        wide["submitted_on"] = [date(2026, 10, 1 + i % 20) for i in range(len(wide))]
        store(db.engine, layout, wide, version_id, campaign_id)
        partial = synthetic_wide(definition, 30, seed=12, campaign_id=campaign_id)
        store(db.engine, layout, partial, version_id, campaign_id, status="partial")
        yield db.engine, version_id, definition, layout, wide, partial
