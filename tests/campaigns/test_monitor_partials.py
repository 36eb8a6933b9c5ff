"""Partial responses in the monitor and the campaign list (issue 25, point 4): counted after
their release, like completes; while they wait, the pages say how many of those waiting are
partial; the completion rate counts completes only."""
from __future__ import annotations

import re

from survey.extensions import db
from survey.models import Campaign, Role
from sqlalchemy import select
from tests.helpers import login, make_user, release_all
from tests.respond.support import Respondent, make_rich_campaign
from tests.respond.test_flow import PAGE1, PAGE2, complete
from tests.respond.test_partial import confirm, send_partial


def test_partials_wait_then_count(any_app):
    with any_app.app_context():
        make_rich_campaign()
        make_user("root", Role.ADMIN)
        campaign_id = db.session.scalar(select(Campaign.id))
    complete(any_app.test_client())
    complete(any_app.test_client())
    client = any_app.test_client()
    r = Respondent(client, "thu")
    r.start()
    r.answer(1, PAGE1)
    send_partial(client, confirm(r, 2, PAGE2))
    staff = any_app.test_client()
    login(staff, "root")
    page = staff.get(f"/staff/campaigns/{campaign_id}/monitor").get_data(as_text=True)
    assert re.search(r'id="m-waiting">3 <span class="hint">\(trong đó 1 phiếu chưa hoàn thành\)',
                     page)
    assert 'id="m-partial">0<' in page and 'id="m-complete">0' in page
    listing = staff.get("/staff/campaigns/").get_data(as_text=True)
    assert "(+2 chờ)" in listing and "(+1 chờ)" in listing
    release_all(any_app)
    any_app.extensions.pop("campaigns.monitor_cache", None)  # the page's short cache
    page = staff.get(f"/staff/campaigns/{campaign_id}/monitor").get_data(as_text=True)
    assert 'id="m-partial">1<' in page and 'id="m-complete">2' in page
    assert 'id="m-waiting">0<' in page
    assert 'id="m-rate">66.7 %' in page  # 2 completes of 3 who started
    listing = staff.get("/staff/campaigns/").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td><a[^>]*>Đợt thử</a>.*?</tr>", listing, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)', row) == ["2", "1"]
