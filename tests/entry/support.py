"""Shared builders for the paper-entry tests: the flagship campaign opened for paper entry, a
box, keyers, and a complete, valid keyed sheet of the flagship."""
from __future__ import annotations

from pathlib import Path

from survey.extensions import db
from survey.models import Role
from survey.questionnaire import load_file
from survey.services import paper_batches
from tests.helpers import make_campaign, make_user

FLAGSHIP = Path(__file__).resolve().parents[2] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


def flagship() -> dict:
    return load_file(FLAGSHIP)


def paper_campaign(definition: dict | None = None, verify_percent: int = 100, slug: str = "giay",
                   received: int = 20):
    """A campaign of ``definition`` (the flagship by default) open for paper entry, with one
    box of ``received`` sheets. Needs an app context; returns (campaign, batch)."""
    campaign = make_campaign(slug, definition or flagship())
    paper_batches.save_settings(db.session, campaign, verify_percent, False, None)
    batch = paper_batches.create_batch(db.session, campaign, "Hộp 1", received, None)
    db.session.commit()
    return campaign, batch


def keyers(*names: str, role: Role = Role.DATA_ENTRY):
    return [make_user(name, role) for name in names]


# A complete flagship sheet: a công chức without a leadership post (B6b skipped), who never
# held back (B7 skipped) and does not know Decree 73 (E4 skipped).
FLAGSHIP_SHEET = {
    "A1": "2", "A2": "2", "A3": "3", "A4": "4", "A5": "3", "A6": "1", "A7": "2", "A8": "1",
    "A9": "3", "B1": "3", "B3": "1 5", "B4": "2", "B5": "2", "B6": "1", "E3": "3",
    "D3.rank.1": "1", "D3.rank.2": "12", "D3.rank.3": "5",
    "E2.rank.1": "6", "E2.rank.2": "4", "E2.rank.3": "1",
    "E5": "Cần bảo vệ người dám nghĩ, dám làm",
}
GRID_VALUE = "2"


def sheet_values(plan, overrides: dict | None = None) -> dict[str, str]:
    """The flagship sheet above as field → typed text, in keying order (grid rows all 2;
    skipped fields left out; ``overrides`` replace or add values)."""
    values = dict(FLAGSHIP_SHEET, **(overrides or {}))
    out: dict[str, str] = {}
    for spec in plan.fields:
        if spec.name in values:
            out[spec.name] = values[spec.name]
        elif spec.row is not None:
            out[spec.name] = GRID_VALUE
    return out
