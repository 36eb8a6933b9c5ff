"""The attacker in CI: someone holding the whole server tries to tie responses to people.

A campaign hands out codes from three labelled batches in a known order (the handout lists).
48 people answer over three days in a random interleaving: some start days before they send, some
change device half-way and enter their code again on the other. Each writes a unique marker in
the open question, so the test knows whose response is whose; the attacker knows what an insider
would: the handout lists, every person's batch and the exact order in which people pressed
"Gửi". The attacker then reads everything the server keeps, on SQLite (the database file, its
WAL, a dump) and on PostgreSQL (the heap's ctid and xmin, every page through ``pageinspect``,
``pg_dump``, the WAL segments and every data file as raw bytes), plus the analysis wide table and
the row-level export, and tries each attack the issue names.

"No better than chance" is measured against what is public anyway: every response shows the day
its batch entered the results, so the baseline attacker sorts by that day stamp and guesses at
random within it. Each attack's matches (person → response) and rank correlation (submission
order against stored order) are compared with 20,000 such baseline guesses; an attack fails the
test when the baseline does as well in fewer than 1 in 5,000 guesses. The table of results is
written to ``test-artifacts/linkage-attack-<db>.txt``.

Run against the design before the holding pool (commit 4b9667f) the same scenario gave the
figures in docs/anonymity-attack.md: every order attack matched most people exactly.
"""
from __future__ import annotations

import random
import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from scipy.stats import spearmanr

from survey import clock
from survey.extensions import db
from survey.models import AccessCode, AccessMode, Campaign
from survey.services.access_codes import code_hash, generate_batch
from tests.conftest import ARTIFACTS, make_app
from tests.helpers import make_campaign
from tests.pg import PostgresServer, find_bindir
from tests.respond.support import Respondent

K = 5
BATCHES = (("Phòng Tổ chức", 2), ("Phòng Kế hoạch", 2), ("UBND xã Tân Lập", 3))
CODES_PER_BATCH = 20
ANSWERING_PER_BATCH = 16
SWITCHERS = 10
SHUFFLES = 20_000
ALPHA = 1 / 5_000
FIRST_DAY = datetime(2027, 3, 1, 0, 0, tzinfo=timezone.utc)
# Every respondent of the test comes from 127.0.0.1; the per-address limits are for the public.
LIMITS = {"ANONYMITY_FLOOR": K, "RESPOND_RATE_LIMIT": "100000/minute",
          "RESPOND_CODE_RATE_LIMIT": "100000/minute"}


def definition() -> dict:
    return {
        "id": "lien-ket", "title": {"vi": "Phiếu thử liên kết"}, "languages": ["vi"],
        "pages": [
            {"id": "P1", "title": {"vi": "Trang 1"}, "items": [
                {"id": "level", "type": "single", "role": "banner", "dimension": "level",
                 "label": {"vi": "Cấp công tác"}, "required": True,
                 "options": [{"code": 1, "label": {"vi": "Trung ương"}},
                             {"code": 2, "label": {"vi": "Tỉnh"}},
                             {"code": 3, "label": {"vi": "Xã"}}]},
                {"id": "q1", "type": "single", "label": {"vi": "Mức độ"}, "required": True,
                 "options": [{"code": c, "label": {"vi": f"Mức {c}"}} for c in range(1, 6)]}]},
            {"id": "P2", "title": {"vi": "Trang 2"}, "items": [
                {"id": "idea", "type": "text", "label": {"vi": "Đề xuất"}, "required": True}]},
        ],
    }


@dataclass
class Person:
    batch: int
    position: int  # place on the batch's handout list
    code: str
    level: int
    marker: str
    start: tuple[int, int]   # (day, minute)
    submit: tuple[int, int]
    switch: tuple[int, int] | None
    rank: int = -1  # order of "Gửi", 0-based
    clients: list = field(default_factory=list)


# ----------------------------------------------------------------------------- servers

@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """(app, kind, server): a dedicated PostgreSQL configured as docs/deploy.md says
    (``wal_recycle = off``), autovacuum off so the attacker finds every dead tuple."""
    if request.param == "sqlite":
        app = make_app(f"sqlite:///{tmp_path / 'survey.sqlite3'}", tmp_path, **LIMITS)
        yield app, "sqlite", None
    else:
        bindir = find_bindir()
        if bindir is None:
            pytest.fail("PostgreSQL is required (run `make test`)")
        server = PostgresServer(bindir, "-c wal_recycle=off -c autovacuum=off -c min_wal_size=2MB "
                                "-c max_wal_size=32MB", initdb=("--wal-segsize=1",))
        server.start()
        try:
            app = make_app(server.url(), tmp_path, **LIMITS)
            with app.app_context():
                db.session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
                db.session.commit()
            yield app, "postgresql", server
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ----------------------------------------------------------------------------- fieldwork

def at(day: int, minute: int):
    return clock.frozen(FIRST_DAY + timedelta(days=day - 1, minutes=minute))


def fieldwork(app, rng: random.Random) -> tuple[list[Person], dict]:
    """Hand out codes, let people answer in a random interleaving, release daily, close."""
    with at(1, 0), app.app_context():
        campaign = make_campaign("lien-ket", definition(), access_mode=AccessMode.CODE,
                                 disclosure_threshold=K)
        handouts = []
        for label, level in BATCHES:
            _batch, codes = generate_batch(db.session, campaign, CODES_PER_BATCH, label,
                                           {"level": level})
            handouts.append((codes, level))
        db.session.commit()
        version_id, campaign_id = campaign.version_id, campaign.id
    people = []
    for batch, (codes, level) in enumerate(handouts):
        for position in sorted(rng.sample(range(CODES_PER_BATCH), ANSWERING_PER_BATCH)):
            start_day = rng.choice((1, 1, 2, 3))
            submit_day = rng.choice([d for d in (1, 2, 3) if d >= start_day])
            start = (start_day, rng.randrange(60, 600))
            submit = (submit_day, rng.randrange(start[1] + 5 if submit_day == start_day else 60,
                                                 700))
            people.append(Person(batch, position, codes[position], level,
                                 "mk" + secrets.token_hex(8), start, submit, None))
    for person in rng.sample(people, SWITCHERS):
        if person.submit[0] > person.start[0] or person.submit[1] - person.start[1] > 2:
            day = person.start[0]
            person.switch = (day, person.start[1] + 1) if day < person.submit[0] \
                else (day, (person.start[1] + person.submit[1]) // 2)
    events = sorted([(p.start, 0, i) for i, p in enumerate(people)]
                    + [(p.switch, 1, i) for i, p in enumerate(people) if p.switch]
                    + [(p.submit, 2, i) for i, p in enumerate(people)])
    runner = app.test_cli_runner()
    day, rank, tally_moves = 0, 0, 0
    for (when, kind, index) in events:
        if when[0] != day:  # a daily timer: `flask respond release` after midnight
            day = when[0]
            with at(day, 30):
                runner.invoke(args=["respond", "release"])
                _refresh_wide(app, version_id)
        person = people[index]
        with at(*when):
            if kind in (0, 1):  # start, or start again on another device with the same code
                respondent = Respondent(app.test_client(), "lien-ket")
                status = respondent.start(code=person.code).status_code
                if kind == 1 and status == 409:  # a design that spends codes at entry
                    continue
                assert status == 200
                respondent.answer(1, {"level": str(person.level), "q1": str(rng.randint(1, 5))})
                person.clients.append(respondent)
            else:
                respondent = person.clients[-1]
                before = _tallies(app, campaign_id)
                respondent.answer(2, {"idea": person.marker})
                response, _token, _csrf = respondent.submit()
                assert response.status_code == 200 and "/done" in response.get_data(as_text=True)
                person.rank, rank = rank, rank + 1
                tally_moves += _tallies(app, campaign_id) != before
                _refresh_wide(app, version_id)  # an analyst looking at the results
    with at(4, 30), app.app_context():  # fieldwork over: the campaign closes, the rest enters
        campaign = db.session.get(Campaign, campaign_id)
        campaign.closes_at = clock.now()
        db.session.commit()
        runner.invoke(args=["respond", "release"])
    _refresh_wide(app, version_id)
    return people, {"version_id": version_id, "campaign_id": campaign_id,
                    "tally_moves": tally_moves}


def _tallies(app, campaign_id: int) -> list:
    with app.app_context():
        return db.session.execute(sa.text(
            "SELECT variable, code, count FROM banner_tally WHERE campaign_id = :c "
            "ORDER BY variable, code"), {"c": campaign_id}).all()


def _refresh_wide(app, version_id: int) -> None:
    from analysis import wide

    with app.app_context():
        wide.ensure(db.engine, version_id, definition())
        db.session.remove()


# ----------------------------------------------------------------------------- the attacker

def _order_of(markers_by_person: dict[int, str], blob: bytes, page: int = 0) -> list[int]:
    """People in the order their markers first occur in ``blob`` (absent ones left out). With
    ``page``: read as database pages, whose rows are written from the end of the page towards
    its start (PostgreSQL heap pages, SQLite B-tree cells): page by page, then backwards."""
    found = []
    for person, marker in markers_by_person.items():
        offset = blob.find(marker.encode())
        if offset >= 0:
            key = (offset // page, -(offset % page)) if page else (offset, 0)
            found.append((key, person))
    return [person for _key, person in sorted(found)]


def _files(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


def evidence(app, kind: str, server, people: list[Person], info: dict, tmp_path) -> dict:
    """Everything the attacker reads, as orderings of people (by their markers)."""
    markers = {i: p.marker for i, p in enumerate(people)}
    orders: dict[str, list[int]] = {}
    with app.app_context():
        table = f"analysis_wide_{info['version_id']}"
        person_of = {response_id: next(i for i, p in enumerate(people) if p.marker == text)
                     for response_id, text in db.session.execute(sa.text(
                         "SELECT response_id, text FROM answer WHERE variable = 'idea'"))}
        stamps = {person_of[rid]: day for rid, day in db.session.execute(
            sa.text("SELECT id, submitted_on FROM response"))}
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("response")}
        batch_column = next((c for c in columns if "batch" in c), None)
        batch_of = {}
        if batch_column:
            batch_of = {person_of[rid]: b for rid, b in db.session.execute(
                sa.text(f"SELECT id, {batch_column} FROM response"))}
        if kind == "postgresql":
            orders["physical order (ctid)"] = [person_of[r] for (r,) in db.session.execute(
                sa.text("SELECT id FROM response ORDER BY ctid"))]
            orders["transaction order (xmin)"] = [person_of[r] for (r,) in db.session.execute(
                sa.text("SELECT id FROM response ORDER BY xmin::text::bigint, ctid"))]
            orders["wide table order"] = [person_of[r] for (r,) in db.session.execute(
                sa.text(f"SELECT response_id FROM {table} ORDER BY ctid"))]
            chain = _transaction_chain(people, person_of)
        else:
            orders["wide table order"] = [person_of[r] for (r,) in db.session.execute(
                sa.text(f"SELECT response_id FROM {table} ORDER BY rowid"))]
            raw = db.engine.raw_connection()
            try:
                dump = "\n".join(raw.driver_connection.iterdump()).encode()
            finally:
                raw.close()
            orders["dump order (iterdump)"] = _order_of(markers, dump)
            # Read while the server runs: its pooled connections keep the WAL file in place.
            path = Path(db.engine.url.database)
            wal = Path(f"{path}-wal")
            orders["physical order (database file)"] = _order_of(markers, path.read_bytes(),
                                                                 page=4096)
            orders["WAL order (-wal file)"] = _order_of(
                markers, wal.read_bytes() if wal.exists() else b"")
            chain = None
        if kind == "postgresql":  # the attacker flushes every buffer to the files first
            db.session.execute(sa.text("CHECKPOINT"))
        db.session.remove()
    if kind == "postgresql":
        dump = subprocess.run([str(server.bindir / "pg_dump"), "-a", server.url().replace(
            "postgresql+psycopg", "postgresql")], capture_output=True, check=True).stdout
        orders["dump order (pg_dump)"] = _order_of(markers, dump)
        orders["WAL order (pg_wal)"] = _order_of(markers, _files(server.data / "pg_wal"))
        orders["data files, raw bytes"] = _order_of(markers, _files(server.data / "base"),
                                                    page=8192)
    runner = app.test_cli_runner()
    out = tmp_path / "rows.csv"
    result = runner.invoke(args=["analysis", "export", "lien-ket", "--format", "csv",
                                 "--include-text", "-o", str(out)])
    assert result.exit_code == 0, result.output
    orders["row-level export order"] = _order_of(markers, out.read_bytes())
    return {"orders": orders, "stamps": stamps, "batch_of": batch_of, "chain": chain}


def _transaction_chain(people: list[Person], person_of: dict[str, int]) -> dict[int, str | None]:
    """For each person, the response their code's transaction leads to: the code row's xmin,
    then every draft tuple (live or dead, read with pageinspect) created by that transaction,
    its deleting/updating transaction, and so on, until a response row carries that xmin; else
    the response whose transaction came next after the code's (ties broken at random)."""
    rows = db.session.execute(sa.text(
        "SELECT code_hash, xmin::text::bigint FROM access_code WHERE used")).all()
    code_xmin = dict(rows)
    pages = db.session.scalar(sa.text("SELECT pg_relation_size('draft') / 8192"))
    versions: dict[int, list[int]] = {}
    for page in range(int(pages or 0)):
        for t_xmin, t_xmax in db.session.execute(sa.text(
                "SELECT t_xmin::text::bigint, t_xmax::text::bigint FROM "
                "heap_page_items(get_raw_page('draft', :p)) WHERE t_xmin IS NOT NULL"),
                {"p": page}):
            versions.setdefault(t_xmin, []).append(t_xmax)
    response_xmin: dict[int, list[str]] = {}
    for response_id, xmin in db.session.execute(sa.text(
            "SELECT id, xmin::text::bigint FROM response")):
        response_xmin.setdefault(xmin, []).append(response_id)
    later = sorted(response_xmin)
    rng = random.Random(7)
    guesses: dict[int, str | None] = {}
    for index, person in enumerate(people):
        start = code_xmin.get(code_hash(person.code))
        if start is None:
            guesses[index] = None
            continue
        frontier, seen, found = [start], set(), None
        while frontier and found is None:
            txn = frontier.pop()
            if txn in seen or not txn:
                continue
            seen.add(txn)
            if txn in response_xmin:
                found = rng.choice(response_xmin[txn])
                break
            frontier.extend(versions.get(txn, []))
        if found is None:
            after = [x for x in later if x >= start]
            found = rng.choice(response_xmin[after[0]]) if after else None
        guesses[index] = found
    return {i: (person_of.get(g) if g else None) for i, g in guesses.items()}


# ----------------------------------------------------------------------------- statistics

def _baseline(stamps: np.ndarray, submission: np.ndarray, rng: np.random.Generator):
    """Matches and Spearman rho of SHUFFLES orderings that keep the day stamps in order and
    shuffle within each: what the public day stamp alone gives an attacker."""
    n = len(stamps)
    keys = stamps[None, :] * 10.0 + rng.random((SHUFFLES, n))
    orders = np.argsort(keys, axis=1)  # people in stored order
    by_submission = np.argsort(submission)
    matches = (orders == by_submission[None, :]).sum(axis=1)
    ranks = submission[orders].astype(float)
    positions = np.arange(n, dtype=float)
    ranks_c = ranks - ranks.mean(axis=1, keepdims=True)
    pos_c = positions - positions.mean()
    rho = (ranks_c @ pos_c) / (np.sqrt((ranks_c ** 2).sum(axis=1)) * np.sqrt((pos_c ** 2).sum()))
    return matches, rho


def analyse(people: list[Person], found: dict) -> list[dict]:
    """One row per attack: observed matches and rho against the day-stamp baseline."""
    stamps_by_person = found["stamps"]
    n = len(people)
    day_index = {d: i for i, d in enumerate(sorted(set(stamps_by_person.values())))}
    stamps = np.array([day_index[stamps_by_person[i]] for i in range(n)], dtype=float)
    submission = np.array([p.rank for p in people])
    rng = np.random.default_rng(20261205)
    base_matches, base_rho = _baseline(stamps, submission, rng)
    by_submission = list(np.argsort(submission))
    rows = []
    for name, order in found["orders"].items():
        seen = set(order)
        missing = [i for i in range(n) if i not in seen]
        random.Random(1).shuffle(missing)
        full = list(order) + missing  # the attacker places what it did not find at random
        matches = sum(int(a == b) for a, b in zip(full, by_submission))
        rho = spearmanr(submission[full], np.arange(n)).statistic if order else 0.0
        rows.append({"attack": name, "found": len(order), "chance": base_matches.mean() / n,
                     "rate": matches / n, "rho": rho, "base_rho": float(base_rho.mean()),
                     "p_match": float((base_matches >= matches).mean()),
                     "p_rho": float((base_rho >= rho).mean())})
    # Guess attacks: each person gets one guessed response; chance is a uniform guess among the
    # responses sharing what is public (their day stamp, or their level for the batch attack).
    guesses = {"transaction chain (code xmin → draft tuples → response xmin)": found["chain"]}
    level_of = {i: p.level for i, p in enumerate(people)}
    batch_guess, rngb = {}, random.Random(3)
    for i, person in enumerate(people):
        if found["batch_of"]:
            pool = [j for j, b in found["batch_of"].items() if b == found["batch_of"][i]]
        else:
            pool = [j for j in range(n) if level_of[j] == person.level]
        batch_guess[i] = rngb.choice(pool)
    guesses["batch usage (response → code batch)"] = batch_guess
    for name, guess in guesses.items():
        if guess is None:
            continue
        if "batch" in name:
            chance = np.array([1 / sum(level_of[j] == p.level for j in range(n)) for p in people])
        else:
            chance = np.array([1 / (stamps == stamps[i]).sum() for i in range(n)])
        hits = sum(int(guess.get(i) == i) for i in range(n))
        simulated = (rng.random((SHUFFLES, n)) < chance[None, :]).sum(axis=1)
        rows.append({"attack": name, "found": sum(g is not None for g in guess.values()),
                     "chance": float(chance.mean()), "rate": hits / n, "rho": float("nan"),
                     "base_rho": float("nan"), "p_match": float((simulated >= hits).mean()),
                     "p_rho": 1.0})
    return rows


def report(kind: str, rows: list[dict], info: dict, people: list[Person]) -> str:
    lines = [f"Linkage attack on {kind}: {len(people)} respondents, k = {K}, "
             f"{SWITCHERS} changed device; banner tallies moved after "
             f"{info['tally_moves']} of {len(people)} submissions",
             f"{'attack':<62} {'found':>5} {'chance':>7} {'matched':>7} {'rho':>6} "
             f"{'day-stamp rho':>13} {'p(match)':>9} {'p(rho)':>7}"]
    for row in rows:
        lines.append(f"{row['attack']:<62} {row['found']:>5} {row['chance']:>7.3f} "
                     f"{row['rate']:>7.3f} {row['rho']:>6.2f} {row['base_rho']:>13.2f} "
                     f"{row['p_match']:>9.4f} {row['p_rho']:>7.4f}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the test

def test_no_stored_order_ties_a_person_to_a_response(target, tmp_path):
    app, kind, server = target
    people, info = fieldwork(app, random.Random(20261205))
    with app.app_context():
        responses = db.session.scalar(sa.text("SELECT count(*) FROM response"))
        used = db.session.scalar(sa.select(sa.func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True)))
    assert responses == len(people) and used == len(people)  # nothing lost, nothing doubled
    found = evidence(app, kind, server, people, info, tmp_path)
    rows = analyse(people, found)
    text = report(kind, rows, info, people)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"linkage-attack-{kind}.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    assert not found["batch_of"], "a response refers to its code batch"
    assert info["tally_moves"] == 0, "a banner tally moved with one submission"
    failures = [row["attack"] for row in rows if row["p_match"] < ALPHA or row["p_rho"] < ALPHA]
    assert not failures, "\n" + text


def test_the_handout_order_is_not_the_stored_order(target):
    """Row i of a batch's list is not row i of the table (PostgreSQL: ctid; both: id)."""
    app, kind, _server = target
    with app.app_context():
        campaign = make_campaign("lo-ma", definition(), access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 200, "Phòng A")
        db.session.commit()
        order = "ctid" if kind == "postgresql" else "id"
        stored = [h for (h,) in db.session.execute(sa.text(
            f"SELECT code_hash FROM access_code ORDER BY {order}"))]
        position = {digest: i for i, digest in enumerate(stored)}
        handed = [position[code_hash(code)] for code in codes]
        db.session.remove()
    result = spearmanr(range(len(handed)), handed)
    assert result.pvalue > ALPHA, result
