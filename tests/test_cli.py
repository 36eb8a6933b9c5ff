"""Operator commands."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Campaign, QuestionnaireVersion, Role, StaffUser
from survey.services.accounts import verify_password
from tests.helpers import small_definition


def test_users_create_with_generated_password(app, runner):
    result = runner.invoke(args=["users", "create", "lan", "--role", "analyst"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown only this once): ")[1].strip()
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == "lan"))
        assert user.role is Role.ANALYST
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user, password)
        assert not verify_password(user, password + "x")


def test_users_create_refuses_duplicate_and_short_password(runner):
    assert runner.invoke(args=["users", "create", "lan", "--role", "admin", "--password",
                               "long enough pw"]).exit_code == 0
    again = runner.invoke(args=["users", "create", "lan", "--role", "admin"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "minh", "--role", "admin", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output


def test_ensure_admin_creates_one_admin_once(app, runner):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert "Password (shown only this once" in first.output
    second = runner.invoke(args=["users", "ensure-admin"])
    assert "exists already" in second.output and "Password" not in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1


def test_reset_password_for_a_forgotten_admin(app, runner):
    runner.invoke(args=["users", "create", "root", "--role", "admin", "--password",
                        "long enough pw"])
    result = runner.invoke(args=["users", "reset-password", "root"])
    assert result.exit_code == 0, result.output
    password = result.output.split("(shown only this once): ")[1].strip()
    with app.app_context():
        root = db.session.scalar(select(StaffUser).where(StaffUser.username == "root"))
        assert verify_password(root, password)
        assert not verify_password(root, "long enough pw")
        entry = db.session.scalar(select(AuditLog).where(
            AuditLog.action == "user.password_reset"))
        assert entry.target == f"user:{root.id}" and password not in str(entry.details)
    assert runner.invoke(args=["users", "reset-password", "nobody"]).exit_code != 0


def test_ensure_admin_when_the_name_is_taken_by_another_role(app, runner):
    runner.invoke(args=["users", "create", "admin", "--role", "designer", "--password",
                        "long enough pw"])
    refused = runner.invoke(args=["users", "ensure-admin"])
    assert refused.exit_code != 0 and "--username" in refused.output
    created = runner.invoke(args=["users", "ensure-admin", "--username", "quantri"])
    assert created.exit_code == 0 and "quantri" in created.output


def test_load_shipped_is_idempotent_and_versions_changes(app, runner, tmp_path: Path):
    app.config["QUESTIONNAIRE_DIR"] = str(tmp_path)
    definition = small_definition("ne-tranh-trach-nhiem")
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(args=["questionnaire", "load-shipped"]).exit_code == 0
    assert runner.invoke(args=["questionnaire", "load-shipped"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 1
    definition["title"]["vi"] = "Phiếu nhỏ (sửa)"
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(args=["questionnaire", "load-shipped"]).exit_code == 0
    with app.app_context():
        numbers = db.session.scalars(select(QuestionnaireVersion.number)).all()
        assert sorted(numbers) == [1, 2]

    demo = runner.invoke(args=["campaign", "demo"])
    assert demo.exit_code == 0 and "/s/demo" in demo.output
    urls = runner.invoke(args=["urls", "--base", "http://127.0.0.1:5000"])
    assert "http://127.0.0.1:5000/s/demo" in urls.output
    assert "http://127.0.0.1:5000/staff/login" in urls.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "demo"))
        assert campaign.version.number == 2


def test_demo_campaign_needs_the_flagship(runner):
    result = runner.invoke(args=["campaign", "demo"])
    assert result.exit_code != 0 and "load-shipped" in result.output
