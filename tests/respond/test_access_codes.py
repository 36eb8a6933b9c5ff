"""One-time access codes: generation in an order unrelated to the list handed out, hashing,
refusal of small batches, a read-only check at entry and an atomic spend at submission."""
from __future__ import annotations

import hashlib
import hmac
import threading

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AccessCode, AccessCodeBatch, AccessMode, AuditLog
from survey.services.access_codes import (ALPHABET, CODE_LENGTH, check, code_hash,
                                          generate_batch, normalize_code, spend)
from survey.services.drafts import spend_mark
from survey.services.errors import ServiceError
from tests.helpers import make_campaign


def test_generate_stores_only_keyed_hashes(app):
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        batch, codes = generate_batch(db.session, campaign, 12, label="Sở Nội vụ",
                                      attributes={"level": 2})
        db.session.commit()
        assert len(codes) == len(set(codes)) == 12 == batch.size
        for code in codes:
            plain = code.replace("-", "")
            assert len(plain) == CODE_LENGTH and set(plain) <= set(ALPHABET)
            assert code[5] == "-"
        stored = db.session.scalars(select(AccessCode.code_hash)).all()
        key = app.config["SECRET_KEY"].encode()
        expected = {hmac.new(key, c.replace("-", "").encode(), hashlib.sha256).hexdigest()
                    for c in codes}
        assert set(stored) == expected
        # Neither the plain code nor an unkeyed hash of it is anywhere in the database.
        dump = "\n".join(str(row) for table in db.metadata.sorted_tables
                         for row in db.session.execute(table.select()))
        for code in codes:
            plain = code.replace("-", "")
            assert plain not in dump and code not in dump
            assert hashlib.sha256(plain.encode()).hexdigest() not in dump
        assert batch.attributes == {"level": 2} and batch.label == "Sở Nội vụ"
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "codes.generate"))
        assert audit.details["size"] == 12


def test_hash_depends_on_the_secret_and_normalises(app):
    with app.app_context():
        assert code_hash("abcde-fghjk") == code_hash(" ABCDE FGHJK ")
        assert code_hash("ABCDEFGHJK", "other key") != code_hash("ABCDEFGHJK")
        assert normalize_code("ab cd-ef") == "ABCDEF"


@pytest.mark.parametrize("size, message", [
    (4, "ít nhất 5 mã"), (0, "ít nhất 5 mã"), (50_001, "tối đa"), ("7", "số nguyên"),
])
def test_refuses_bad_sizes(app, size, message):
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        with pytest.raises(ServiceError, match=message):
            generate_batch(db.session, campaign, size)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AccessCodeBatch)) == 0


def test_threshold_follows_the_campaign(app):
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE, disclosure_threshold=10)
        with pytest.raises(ServiceError, match="ít nhất 10 mã"):
            generate_batch(db.session, campaign, 9)
        assert generate_batch(db.session, campaign, 10)[0].size == 10


def test_refuses_open_campaigns_and_bad_attributes(app):
    with app.app_context():
        open_campaign = make_campaign("mo-link")
        with pytest.raises(ServiceError, match="đường dẫn mở"):
            generate_batch(db.session, open_campaign, 10)
        open_campaign.access_mode = AccessMode.CODE
        for attributes in ({"": 1}, {"level": [1, 2]}, {"level": True}, ["level"]):
            with pytest.raises(ServiceError):
                generate_batch(db.session, open_campaign, 10, attributes=attributes)


def test_check_writes_nothing_and_only_in_its_campaign(app):
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        other = make_campaign("khac", access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5, attributes={"level": 2})
        db.session.commit()
        first = check(db.session, campaign, codes[0].lower())
        assert first.accepted and first.code_hash == code_hash(codes[0])
        assert first.attributes == {"level": 2}
        assert check(db.session, campaign, codes[0]).accepted  # checking spends nothing
        assert not check(db.session, other, codes[0]).accepted
        unknown = check(db.session, campaign, "AAAAA-AAAAA")
        assert not unknown.accepted and not unknown.used
        assert not check(db.session, campaign, "ABC").accepted
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 0
        assert spend(db.session, code_hash(codes[0]), spend_mark("draft-a"))
        db.session.commit()
        used = check(db.session, campaign, codes[0])
        assert not used.accepted and used.used
        # The same draft's retry spends it again; another draft cannot.
        assert spend(db.session, code_hash(codes[0]), spend_mark("draft-a"))
        assert not spend(db.session, code_hash(codes[0]), spend_mark("draft-b"))


def test_stored_order_and_handed_out_order_are_unrelated(app):
    """Row ``i`` of the CSV is not row ``i`` of the table: two independent permutations."""
    from scipy.stats import spearmanr

    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 300)
        db.session.commit()
        stored = db.session.scalars(select(AccessCode.code_hash).order_by(AccessCode.id)).all()
        position = {digest: i for i, digest in enumerate(stored)}
        handed = [position[code_hash(code)] for code in codes]
        rho, p = spearmanr(range(len(handed)), handed)
        assert p > 1e-4, rho  # a fixed order would give rho = 1, p = 0
        assert handed != sorted(handed)


def test_threshold_never_below_the_platform_floor(app):
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE, disclosure_threshold=5)
        app.config["ANONYMITY_FLOOR"] = 8  # raised by the operator after the campaign was made
        with pytest.raises(ServiceError, match="ít nhất 8 mã"):
            generate_batch(db.session, campaign, 7)


def test_spend_is_atomic_under_concurrency(any_app):
    """20 drafts race to spend the same code: exactly one does (SQLite and PostgreSQL)."""
    app = any_app
    with app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5)
        db.session.commit()
    digest = None
    with app.app_context():
        digest = code_hash(codes[0])
    # Wait at the barrier before touching the database: a thread holding a pooled connection
    # while waiting could exhaust PostgreSQL's pool and leave the barrier short forever.
    barrier = threading.Barrier(20, timeout=60)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(n: int):
        try:
            barrier.wait()
            with app.app_context():
                outcome = spend(db.session, digest, spend_mark(f"draft-{n}"))
                db.session.commit()
                with lock:
                    results.append(outcome)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == [False] * 19 + [True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 1
