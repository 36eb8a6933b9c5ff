"""A flagship campaign whose responses came in every collection mode, each through the service
the app uses for it: web submissions (a draft, then ``responses.submit``), paper sheets keyed
twice and agreed (``paper_entry``, ``paper_release``), a KoboToolbox export imported
(``data_import``); then the holding pool is released.

Hand counts (B1 by mode; B1 codes 1–5 valid, 98/99 missing):

======  ====  =====  ======
B1      web   paper  import
======  ====  =====  ======
3       5     5      0
4       5     0      1
5       0     0      1
total   10    5      2
======  ====  =====  ======
"""
from __future__ import annotations

import csv
import io

from survey.extensions import db
from survey.models import Campaign
from survey.services import paper_batches, paper_release
from survey.services import paper_entry as pe
from survey.services.data_import import import_data, import_secret
from survey.services.drafts import create_draft, new_token
from survey.services.responses import SubmitOutcome, submit
from survey.services.sheet_ids import format_sheet_id, new_sheet_id
from tests.entry.support import keyers, paper_campaign, sheet_values
from tests.helpers import release_all

SECRET = "test-secret-key-not-for-production"

WEB_B1 = [3] * 5 + [4] * 5
PAPER_B1 = [3] * 5
IMPORT_B1 = [4, 5]
#: (B1 code, mode code) → responses; every other cell is 0.
COUNTS = {(3, 1): 5, (4, 1): 5, (3, 2): 5, (4, 3): 1, (5, 3): 1}
BASES = {1: 10, 2: 5, 3: 2}


def _web(campaign: Campaign, b1: int) -> None:
    """What the respondent flow does on "Gửi": a draft exists, its answers are submitted."""
    draft, _token = create_draft(db.session, campaign, 30)
    answers = {"A1": 2, "A2": 2, "A8": 1, "B1": b1}
    outcome = submit(db.session, draft, campaign.version.definition, answers, new_token())
    assert outcome == SubmitOutcome.STORED


def _paper(campaign: Campaign, batch, users, plan, b1: int) -> None:
    """One flagship sheet keyed by two clerks with the same values: agreed."""
    reference = format_sheet_id(new_sheet_id())
    for user in users:
        keying = pe.open_sheet(db.session, campaign, batch, reference, user, SECRET)
        values: dict[str, str] = {}
        for name, text in sheet_values(plan, {"B1": str(b1)}).items():
            pe.save_field(db.session, keying, plan, name, text, user, values=values)
            values[name] = text
        pe.finish(db.session, keying, plan, user, SECRET)
        db.session.commit()
    paper_release.scrub(db.session)


def _kobo_export(b1_codes: list[int]) -> bytes:
    """A KoboToolbox CSV export of the flagship's own XLSForm (choice names are the codes)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["start", "A/A1", "A/A2", "B/B1", "meta/instanceID", "_id"])
    for i, code in enumerate(b1_codes, start=1):
        writer.writerow(["2026-10-01T08:00:00", "1", "3", str(code),
                         f"uuid:00000000-0000-4000-8000-{i:012d}", str(100 + i)])
    return out.getvalue().encode("utf-8")


def every_mode_campaign(slug: str = "hinh-thuc") -> Campaign:
    """The campaign of the module docstring, released. Needs a request context (paper entry
    speaks to its users)."""
    campaign, batch = paper_campaign(slug=slug, received=len(PAPER_B1))
    for code in WEB_B1:
        _web(campaign, code)
    users = keyers("lan", "minh")
    plan = pe.plan_of(campaign)
    for code in PAPER_B1:
        _paper(campaign, batch, users, plan, code)
    paper_batches.save_settings(db.session, campaign, 100, True, None)  # entry is over
    paper_release.hand_over(db.session, campaign)
    db.session.commit()
    outcome = import_data(db.session, campaign, _kobo_export(IMPORT_B1), "data.csv",
                          secret=import_secret(SECRET))
    assert outcome.ok and outcome.imported == len(IMPORT_B1), outcome.report.texts("en")
    assert release_all() == len(WEB_B1) + len(PAPER_B1) + len(IMPORT_B1)
    return db.session.get(Campaign, campaign.id)
