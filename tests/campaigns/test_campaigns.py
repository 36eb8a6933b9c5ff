"""Campaign management pages: create/edit with Vietnam-time dates, targets per banner category,
close/reopen, access codes shown only in the generation response, QR codes, and the CLI."""
from __future__ import annotations

import csv
import io
import re
import struct
import zlib
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from survey import clock
from survey.extensions import db
from survey.models import (AccessCode, AccessCodeBatch, AccessMode, AuditLog, Campaign,
                           CampaignTarget, Role, StaffUser)
from survey.services.access_codes import code_hash, spend
from survey.services.drafts import spend_mark
from survey.services.campaigns import CampaignState, campaign_state, reopen_campaign
from survey.services.errors import ServiceError
from survey.services.ownership import set_owner
from survey.services.qr import qr_matrix, qr_svg
from tests.helpers import csrf_from, login, make_campaign, make_user

BASE = "/staff/campaigns"
# Every date below is read against this instant, never against the day the suite runs.
NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def _designer(app, client, role=Role.DESIGNER):
    with app.app_context():
        make_user("lan", role)
    login(client, "lan")


def _campaign(app, **kwargs) -> int:
    """A campaign owned by the designer "lan" when there is one (made without an acting user,
    a campaign has no owner and only admins manage it)."""
    with app.app_context():
        campaign = make_campaign(**kwargs)
        lan = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        if lan is not None:
            set_owner(db.session, campaign, lan)
            db.session.commit()
        return campaign.id


def _token(client, url) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def _version_id(app) -> int:
    with app.app_context():
        return make_campaign("tam").version_id


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _audit(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


# ----------------------------------------------------------------------------- create / edit

def test_designer_creates_a_campaign_in_vietnam_time(app, client):
    _designer(app, client)
    version_id = _version_id(app)
    token = _token(client, f"{BASE}/new")
    response = client.post(f"{BASE}/new", data={
        "csrf_token": token, "version": version_id, "slug": "dot-1-2026", "title": "Đợt 1",
        "access_mode": "code", "opens_date": "2026-12-01", "opens_time": "08:00",
        "closes_date": "2026-12-15", "closes_time": "", "max_responses": "2000",
        "disclosure_threshold": "7"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "dot-1-2026"))
        assert campaign.access_mode == AccessMode.CODE
        assert campaign.max_responses == 2000 and campaign.disclosure_threshold == 7
        # 08:00 in Hà Nội (UTC+7) is 01:00 UTC; a bare closing date closes at 23:59 local.
        opens = campaign.opens_at.replace(tzinfo=campaign.opens_at.tzinfo or timezone.utc)
        closes = campaign.closes_at.replace(tzinfo=campaign.closes_at.tzinfo or timezone.utc)
        assert opens == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
        assert closes == datetime(2026, 12, 15, 16, 59, tzinfo=timezone.utc)
        assert campaign_state(db.session, campaign,
                              now=datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)) \
            == CampaignState.NOT_YET_OPEN
        campaign_id = campaign.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đợt 1" in page and "/s/dot-1-2026" in page
    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Đợt 1" in listing and f"{BASE}/{campaign_id}" in listing
    entry = _audit(app, "campaign.create")[-1]
    assert entry.details["slug"] == "dot-1-2026" and entry.user_id is not None


def test_create_form_defaults_the_threshold_from_config(app, client):
    app.config["DISCLOSURE_THRESHOLD"] = 9
    _designer(app, client)
    _version_id(app)
    page = client.get(f"{BASE}/new").get_data(as_text=True)
    assert re.search(r'name="disclosure_threshold"[^>]*value="9"', page)


@pytest.mark.parametrize("changes, message", [
    ({"slug": "Có Dấu"}, "chữ thường không dấu"),
    ({"slug": "tam"}, "Đã có đợt khảo sát"),
    ({"closes_date": "2026-11-30"}, "phải sau thời điểm bắt đầu"),
    ({"disclosure_threshold": "0"}, "Ngưỡng bảo mật phải từ 1"),
    ({"disclosure_threshold": "4"}, "mức sàn của nền tảng"),
    ({"opens_date": "", "opens_time": "09:00"}, "Cần nhập ngày đi kèm với giờ"),
    ({"opens_date": "01/12/2026"}, "Ngày không hợp lệ"),
    ({"max_responses": "nhiều"}, "Hãy nhập một số nguyên"),
])
def test_bad_campaign_input_is_refused_with_nothing_written(app, client, changes, message):
    _designer(app, client)
    version_id = _version_id(app)
    data = {"csrf_token": _token(client, f"{BASE}/new"), "version": version_id, "slug": "moi",
            "title": "Mới", "access_mode": "open", "opens_date": "2026-12-01",
            "opens_time": "08:00", "closes_date": "", "closes_time": "",
            "max_responses": "", "disclosure_threshold": "5"}
    data.update(changes)
    before = _count(app, Campaign)
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app, Campaign) == before


def test_edit_keeps_slug_and_logs_changed_fields(app, client):
    _designer(app, client)
    campaign_id = _campaign(app)
    url = f"{BASE}/{campaign_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Đợt thử"' in page
    response = client.post(url, data={
        "csrf_token": csrf_from(page), "title": "Đợt thử (sửa)", "access_mode": "code",
        "opens_date": "", "opens_time": "", "closes_date": "2027-01-31", "closes_time": "17:30",
        "max_responses": "", "disclosure_threshold": "10",
        "device_storage": "y"})  # checked on the form, as a browser sends it
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert (campaign.slug, campaign.title) == ("thu", "Đợt thử (sửa)")
        assert campaign.access_mode == AccessMode.CODE and campaign.disclosure_threshold == 10
        closes = campaign.closes_at.replace(tzinfo=campaign.closes_at.tzinfo or timezone.utc)
        assert closes == datetime(2027, 1, 31, 10, 30, tzinfo=timezone.utc)
    [entry] = _audit(app, "campaign.update")
    assert set(entry.details["fields"]) == {"title", "access_mode", "closes_at",
                                            "disclosure_threshold"}
    # The edit form shows the stored UTC time back in Vietnam time.
    again = client.get(url).get_data(as_text=True)
    assert 'value="17:30"' in again and 'value="2027-01-31"' in again


# ----------------------------------------------------------------------------- close / reopen

def test_close_and_reopen(app, client):
    _designer(app, client)
    campaign_id = _campaign(app)
    token = _token(client, f"{BASE}/{campaign_id}")
    assert client.post(f"{BASE}/{campaign_id}/close", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign_state(db.session, campaign) == CampaignState.CLOSED
    page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert "Đã đóng" in page and "Mở lại đợt khảo sát" in page
    client.post(f"{BASE}/{campaign_id}/reopen", data={"csrf_token": token})
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign_state(db.session, campaign) == CampaignState.OPEN
        with pytest.raises(ServiceError):
            reopen_campaign(db.session, campaign)  # not closed
    assert [e.action for e in _audit(app, "campaign.close") + _audit(app, "campaign.reopen")] \
        == ["campaign.close", "campaign.reopen"]


def test_close_without_csrf_changes_nothing(app, client):
    _designer(app, client)
    campaign_id = _campaign(app)
    response = client.post(f"{BASE}/{campaign_id}/close", data={})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).closes_at is None


# ----------------------------------------------------------------------------- targets

def test_targets_per_banner_category(app, client):
    _designer(app, client)
    campaign_id = _campaign(app)
    page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    # Fields for level 1..3 and gender 1..2; "prefer not to say" (missing) gets none.
    for label in ("Trung ương", "Tỉnh", "Xã", "Nam", "Nữ"):
        assert f">{label}</label>" in page
    assert "Không muốn trả lời</label>" not in page
    data = {"csrf_token": csrf_from(page), "t0": "100", "t1": "300", "t2": "", "t3": "200",
            "t4": "0"}
    assert client.post(f"{BASE}/{campaign_id}/targets", data=data).status_code == 302
    with app.app_context():
        targets = {(t.dimension, t.code): t.target for t in db.session.scalars(
            select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id))}
    assert targets == {("level", 1): 100, ("level", 2): 300, ("gender", 1): 200}
    page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert re.search(r'name="t1"[^>]*value="300"', page)

    bad = client.post(f"{BASE}/{campaign_id}/targets",
                      data={**data, "t0": "-5", "t1": "7"})
    assert bad.status_code == 400 and "Chỉ tiêu phải từ 0" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CampaignTarget.target).where(
            CampaignTarget.code == 2, CampaignTarget.dimension == "level")) == 300


# ----------------------------------------------------------------------------- access codes

def _generate(client, campaign_id, **fields):
    token = _token(client, f"{BASE}/{campaign_id}")
    data = {"csrf_token": token, "size": "10", "label": "", "output": "csv"}
    data.update(fields)
    return client.post(f"{BASE}/{campaign_id}/codes", data=data)


def test_codes_csv_is_the_generation_response_and_only_hashes_are_kept(app, client):
    _designer(app, client)
    campaign_id = _campaign(app, access_mode=AccessMode.CODE)
    response = _generate(client, campaign_id, size="12", label="Sở Nội vụ", a0="2", a1="")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ma_truy_cap", "duong_dan", "lo", "nhan_lo"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == len(set(codes)) == 12
    assert all(row[1] == "http://localhost/s/thu" and row[3] == "Sở Nội vụ"  # the served host
               for row in rows[1:])
    with app.app_context():
        batch = db.session.scalar(select(AccessCodeBatch))
        assert (batch.size, batch.label, batch.attributes) == (12, "Sở Nội vụ", {"level": 2})
        stored = set(db.session.scalars(select(AccessCode.code_hash)))
        assert stored == {code_hash(code) for code in codes}
        dump = "\n".join(str(row) for table in db.metadata.sorted_tables
                         for row in db.session.execute(table.select()))
        assert not any(code in dump or code.replace("-", "") in dump for code in codes)
    [entry] = _audit(app, "codes.generate")
    assert entry.details["size"] == 12
    [export] = _audit(app, "codes.export")
    assert export.details == {"batch": entry.details["batch"], "format": "csv", "size": 12}
    assert not any(code in str(export.details) for code in codes)
    # The codes are gone from the server: no page shows them again.
    detail = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert not any(code in detail for code in codes)
    assert "0 / 12" in detail and "Cấp công tác: Tỉnh" in detail


def test_printable_slips_carry_codes_qr_and_a_csv_link(app, client):
    _designer(app, client)
    campaign_id = _campaign(app, access_mode=AccessMode.CODE)
    response = _generate(client, campaign_id, size="6", output="slips")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    codes = re.findall(r'class="slip-code">([A-Z0-9-]+)<', page)
    assert len(codes) == 6
    assert page.count(f'src="{BASE}/{campaign_id}/qr.svg"') == 6
    href = re.search(r'href="data:text/csv;charset=utf-8,([^"]+)"', page).group(1)
    embedded = list(csv.reader(io.StringIO(unquote(href).lstrip("\ufeff"))))
    assert [row[0] for row in embedded[1:]] == codes
    with client.get("/static/campaigns.css") as css:
        assert "@media print" in css.get_data(as_text=True)


@pytest.mark.parametrize("size, message", [
    ("4", "ít nhất 5 mã"),
    ("0", "Số mã phải từ 1"),
    ("50001", "Số mã phải từ 1"),
    ("mười", "Hãy nhập một số nguyên"),
])
def test_batches_under_the_threshold_or_malformed_are_refused(app, client, size, message):
    _designer(app, client)
    campaign_id = _campaign(app, access_mode=AccessMode.CODE)
    response = _generate(client, campaign_id, size=size)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app, AccessCodeBatch) == 0 and _count(app, AccessCode) == 0


def test_open_campaign_has_no_code_form_and_refuses_codes(app, client):
    _designer(app, client)
    campaign_id = _campaign(app)
    assert "Tạo lô mã mới" not in client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    response = _generate(client, campaign_id)
    assert response.status_code == 400
    assert "đường dẫn mở" in response.get_data(as_text=True)
    assert _count(app, AccessCode) == 0


def test_batch_usage_is_shown_only_when_neither_count_is_below_k(app, client):
    """A batch of 10 at k = 5: "2 used" would say who answered among few; 5 used (5 unused) may
    be shown; 6 used leaves 4 unused, which would name the 4 who did not answer."""
    _designer(app, client)
    campaign_id = _campaign(app, access_mode=AccessMode.CODE)
    rows = list(csv.reader(io.StringIO(
        _generate(client, campaign_id).get_data().decode("utf-8-sig"))))

    def spend_rows(*indexes):
        with app.test_request_context():
            for index in indexes:
                assert spend(db.session, code_hash(rows[index][0]), spend_mark(f"d{index}"))
            db.session.commit()
        page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
        return re.search(r'class="num usage">(.*?)</td>', page, re.S).group(1)

    assert "(ẩn)" in spend_rows(1, 2) and "/ 10" in spend_rows()
    assert spend_rows(3, 4, 5).strip() == "5 / 10"
    assert "(ẩn)" in spend_rows(6)


# ----------------------------------------------------------------------------- QR codes

def _png_modules(data: bytes, scale: int, border: int = 4) -> list[list[bool]]:
    """Decode segno's 1-bit greyscale PNG and sample the centre of each module."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert (depth, colour) == (1, 0)
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8 + 1
    pixels, previous = [], bytes(stride - 1)
    for y in range(height):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):  # PNG filters 0 (none), 1 (sub), 2 (up); 1 byte per pixel group
            if kind == 1 and i:
                line[i] = (line[i] + line[i - 1]) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + previous[i]) & 0xFF
        assert kind in (0, 1, 2), "unexpected PNG filter"
        previous = bytes(line)
        bits = "".join(f"{byte:08b}" for byte in line)[:width]
        pixels.append([bit == "0" for bit in bits])  # 0 = black = dark module
    size = width // scale - 2 * border
    return [[pixels[(border + r) * scale + scale // 2][(border + c) * scale + scale // 2]
             for c in range(size)] for r in range(size)]


def test_qr_images_encode_the_campaign_link(app, client):
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.example.vn"
    _designer(app, client)
    campaign_id = _campaign(app)
    link = "https://khaosat.example.vn/s/thu"
    png = client.get(f"{BASE}/{campaign_id}/qr.png")
    assert png.mimetype == "image/png"
    assert _png_modules(png.get_data(), scale=8) == qr_matrix(link)
    svg = client.get(f"{BASE}/{campaign_id}/qr.svg?download=1")
    assert svg.mimetype == "image/svg+xml"
    assert 'filename="qr-thu.svg"' in svg.headers["Content-Disposition"]
    body = svg.get_data(as_text=True)
    assert body.startswith("<?xml") and f"<title>{link}</title>" in body
    assert svg.get_data() == qr_svg(link)
    # Without PUBLIC_BASE_URL the link is on the request's host.
    app.config["PUBLIC_BASE_URL"] = None
    from survey.campaigns.routes import public_link

    with app.test_request_context("/", base_url="https://survey.gov.vn"):
        assert public_link(db.session.get(Campaign, campaign_id)) == "https://survey.gov.vn/s/thu"
    # The development default (loopback) gives way to the host staff actually reached ...
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    with app.test_request_context("/", base_url="http://10.0.0.5:8080"):
        assert public_link(db.session.get(Campaign, campaign_id)) == "http://10.0.0.5:8080/s/thu"
    # ... and on loopback itself the page warns that the link leads nowhere for respondents.
    page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert 'id="loopback-warning"' in page and "http://127.0.0.1:5000/s/thu" in page
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.example.vn"
    assert 'id="loopback-warning"' not in client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)


# ----------------------------------------------------------------------------- roles

def test_analyst_reads_the_monitor_but_cannot_manage(app, client):
    _designer(app, client, Role.ANALYST)
    campaign_id = _campaign(app)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{campaign_id}").status_code == 403
    assert client.get(f"{BASE}/{campaign_id}/qr.png").status_code == 403
    assert client.get(f"{BASE}/{campaign_id}/monitor").status_code == 200
    listing = client.get(f"{BASE}/monitor/").get_data(as_text=True)
    assert f"{BASE}/{campaign_id}/monitor" in listing


def test_unknown_campaign_is_404(app, client):
    _designer(app, client)
    assert client.get(f"{BASE}/999").status_code == 404
    assert client.get(f"{BASE}/999/monitor").status_code == 404


def test_pages_in_english(app, client):
    _designer(app, client)
    campaign_id = _campaign(app, access_mode=AccessMode.CODE)
    page = client.get(f"{BASE}/{campaign_id}?lang=en").get_data(as_text=True)
    assert "Access codes" in page and "Sample targets by group" in page


# ----------------------------------------------------------------------------- CLI

def test_cli_create_list_and_codes(app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        make_campaign("tam")
    result = runner.invoke(args=["campaign", "create", "--questionnaire", "small",
                                 "--slug", "dot-cli", "--title", "Đợt CLI", "--access", "code",
                                 "--opens", "2026-12-01 08:00", "--closes", "2026-12-31"])
    assert result.exit_code == 0, result.output
    assert "/s/dot-cli" in result.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "dot-cli"))
        opens = campaign.opens_at.replace(tzinfo=campaign.opens_at.tzinfo or timezone.utc)
        assert opens == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    out = tmp_path / "codes.csv"
    result = runner.invoke(args=["campaign", "codes", "dot-cli", "--size", "8", "--label", "Xã A",
                                 "--attr", "level=3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 9 and rows[1][3] == "Xã A"
    with app.app_context():
        assert db.session.scalar(select(AccessCodeBatch.attributes)) == {"level": 3}
        assert {code_hash(r[0]) for r in rows[1:]} == set(db.session.scalars(
            select(AccessCode.code_hash)))
    small = runner.invoke(args=["campaign", "codes", "dot-cli", "--size", "2"])
    assert small.exit_code != 0 and "ít nhất 5 mã" in small.output
    duplicate = runner.invoke(args=["campaign", "create", "--questionnaire", "small",
                                    "--slug", "dot-cli", "--title", "x"])
    assert duplicate.exit_code != 0 and "Đã có đợt khảo sát" in duplicate.output
    listing = runner.invoke(args=["campaign", "list"])
    assert "dot-cli\tnot_yet_open\tcode\t0 complete" in listing.output
    assert "2026-12-01 08:00" in listing.output


# ----------------------------------------------------------------------------- flagship

def test_flagship_campaign_pages(app, client):
    from survey.questionnaire import banners, load_file
    from tests.respond.support import FLAGSHIP

    definition = load_file(FLAGSHIP)
    expected_cells = sum(1 for item in banners(definition) for option in item["options"]
                         if not option.get("missing"))
    _designer(app, client, Role.ADMIN)
    with app.app_context():
        campaign_id = make_campaign("co-ma", definition, access_mode=AccessMode.CODE).id
    page = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert len(re.findall(r'name="t\d+"', page)) == expected_cells
    assert len(re.findall(r'<select [^>]*name="a\d+"', page)) == len(banners(definition)) == 9
    monitor = client.get(f"{BASE}/{campaign_id}/monitor").get_data(as_text=True)
    assert monitor.count('class="list banner-table"') == 9
    funnel = re.search(r'id="funnel-table">(.*?)</table>', monitor, re.S).group(1)
    assert funnel.count("<tr>") == len(definition["pages"]) + 2 + 1  # start, pages, review; head
