"""Two keyers who open the same new sheet at the same moment: one keys it, the other is told
someone else is keying it (the unique sheet reference and pass number decide, on SQLite and
PostgreSQL alike)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import PaperKeying, PaperSheet
from survey.services.sheet_ids import format_sheet_id, new_sheet_id
from tests.entry.support import keyers, paper_campaign
from tests.helpers import csrf_from, login


def test_two_keyers_opening_one_sheet_at_once(any_app):
    with any_app.app_context():
        campaign, batch = paper_campaign()
        keyers("lan", "minh")
        campaign_id, batch_id = campaign.id, batch.id
    reference = format_sheet_id(new_sheet_id())
    clients = []
    for name in ("lan", "minh"):
        client = any_app.test_client()
        login(client, name)
        token = csrf_from(client.get(f"/staff/entry/{campaign_id}/").get_data(as_text=True))
        clients.append((client, token))
    barrier = threading.Barrier(2)
    results: list[int] = []

    def open_sheet(client, token):
        barrier.wait()
        response = client.post(f"/staff/entry/{campaign_id}/open", data={
            "csrf_token": token, "batch": batch_id, "reference": reference})
        results.append(response.status_code)

    threads = [threading.Thread(target=open_sheet, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == [302, 400], results
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaperSheet)) == 1
        assert db.session.scalar(select(func.count()).select_from(PaperKeying)) == 1
