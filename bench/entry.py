"""Paper entry benchmark: the server time of one keyed field, the entry screen's only request
while a keyer types, on SQLite (and PostgreSQL with ``--engines sqlite,postgresql``).

    .venv/bin/python bench/entry.py                   # 20 flagship sheets, SQLite
    .venv/bin/python bench/entry.py --sheets 50 --engines sqlite,postgresql

Target: every field under 50 ms of server time (a keyer must never wait for the screen). Each
sheet is keyed field by field through the app's own request (``POST /staff/entry/keying/<id>/
field``, the JSON the script sends: CSRF check, the keying's owner, the field checked with the
questionnaire's rules, the routing re-evaluated, the value saved and committed), by a Flask test
client in this process: the time is the server's, without a network. Sheets alternate two
routings of the flagship (with and without the leader follow-ups) and every 10th field is first
typed wrong (refused with its reason), as keyers do. Prints one JSON line per engine: median,
p95, p99 and max per field, the refusals' median, and finishing a sheet (the record checked,
compared and agreed). Wall time on a shared machine includes waiting for a core, so the
process's CPU time per field is printed too (``field_cpu_ms_*``: the server's own work, which
the SQLite/PostgreSQL commit's wait for the disk does not count). Load average and CPU count
are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(engine_url: str, sheets: int) -> dict:
    from survey.app import create_app
    from survey.config import TestConfig
    from survey.extensions import db
    from survey.models import Role
    from survey.services import paper_batches
    from survey.services import paper_entry as pe
    from survey.services.sheet_ids import format_sheet_id, new_sheet_id
    from tests.entry.support import flagship, sheet_values
    from tests.helpers import csrf_from, login, make_campaign, make_user

    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=engine_url, TESTING=False)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        campaign = make_campaign("giay", flagship())
        paper_batches.save_settings(db.session, campaign, 100, False, None)
        batch = paper_batches.create_batch(db.session, campaign, "Hộp 1", sheets, None)
        db.session.commit()
        for name in ("lan", "minh"):
            make_user(name, Role.DATA_ENTRY)
        plan = pe.plan_of(campaign)
        routings = [sheet_values(plan),
                    sheet_values(plan, {"A4": "2", "B6b": "3", "B6": "3", "B7": "1 2 8",
                                        "B7.other": "Sợ dư luận", "E3": "1", "E4": "3"})]
        campaign_id, batch_id = campaign.id, batch.id
    field_ms: list[float] = []
    field_cpu: list[float] = []  # this process's CPU time: what the field costs the server
    refused_ms: list[float] = []
    finish_ms: list[float] = []
    for index in range(sheets):
        reference = format_sheet_id(new_sheet_id())
        values = routings[index % 2]
        for keyer in ("lan", "minh"):
            client = app.test_client()
            login(client, keyer)
            page = client.get(f"/staff/entry/{campaign_id}/").get_data(as_text=True)
            opened = client.post(f"/staff/entry/{campaign_id}/open", data={
                "csrf_token": csrf_from(page), "batch": batch_id, "reference": reference})
            url = opened.headers["Location"]
            token = csrf_from(client.get(url).get_data(as_text=True))
            order = [spec.name for spec in plan.fields]
            keyed = 0
            for name in order:
                if name not in values:
                    continue
                keyed += 1
                if keyed % 10 == 0 and plan.by_name[name].kind in ("code", "codes"):
                    start = time.perf_counter()
                    bad = client.post(f"{url}/field", data={"field": name, "value": "777"},
                                      headers={"X-CSRFToken": token})
                    refused_ms.append((time.perf_counter() - start) * 1000)
                    assert bad.status_code == 422, bad.get_data(as_text=True)
                start, cpu = time.perf_counter(), time.process_time()
                response = client.post(f"{url}/field", data={"field": name, "value": values[name]},
                                       headers={"X-CSRFToken": token})
                field_ms.append((time.perf_counter() - start) * 1000)
                field_cpu.append((time.process_time() - cpu) * 1000)
                assert response.status_code == 200, (name, response.get_data(as_text=True))
            start = time.perf_counter()
            done = client.post(f"{url}/finish", data={"csrf_token": token})
            finish_ms.append((time.perf_counter() - start) * 1000)
            assert done.status_code == 302, done.get_data(as_text=True)[:500]
    with app.app_context():
        from survey.models import PaperAgreed

        agreed = db.session.query(PaperAgreed).count()
        db.session.remove()
        db.engine.dispose()
    return {
        "engine": re.sub(r"://.*", "", engine_url), "sheets": sheets, "keyings": sheets * 2,
        "fields": len(field_ms), "field_ms_median": round(statistics.median(field_ms), 2),
        "field_ms_p95": round(_percentile(field_ms, 0.95), 2),
        "field_ms_p99": round(_percentile(field_ms, 0.99), 2),
        "field_ms_max": round(max(field_ms), 2),
        "field_cpu_ms_median": round(statistics.median(field_cpu), 2),
        "field_cpu_ms_p95": round(_percentile(field_cpu, 0.95), 2),
        "refused_ms_median": round(statistics.median(refused_ms), 2),
        "finish_ms_median": round(statistics.median(finish_ms), 2),
        "agreed_records": agreed,
        "under_50ms_share": round(sum(1 for v in field_ms if v < 50) / len(field_ms), 4),
        "loadavg": [round(v, 2) for v in os.getloadavg()], "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=20)
    parser.add_argument("--engines", default="sqlite")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if engine == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                print(json.dumps(run(f"sqlite:///{tmp}/bench.sqlite3", args.sheets)), flush=True)
        elif engine == "postgresql":
            from tests.pg import PostgresServer, find_bindir

            server = PostgresServer(find_bindir())
            server.start()
            try:
                with server.fresh_database() as url:
                    print(json.dumps(run(url, args.sheets)), flush=True)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
