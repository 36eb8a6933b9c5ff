from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Role, StaffUser
from survey.services.accounts import AccountError, create_user, generate_password

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Leave out to have a strong password generated and printed once.")
def create(username: str, role: str, password: str | None) -> None:
    """Create a staff account."""
    generated = password is None
    password = password or generate_password()
    try:
        create_user(db.session, username, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {role} account {username!r}.")
    if generated:
        click.echo(f"Password (shown only this once): {password}")


@users_cli.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def ensure_admin(username: str) -> None:
    """Create a first admin account if there is none; print its generated password once."""
    count = db.session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.role == Role.ADMIN))
    if count:
        click.echo("An admin account exists already; no account created.")
        return
    password = generate_password()
    create_user(db.session, username, password, Role.ADMIN)
    db.session.commit()
    click.echo(f"Created the first admin account: {username}")
    click.echo(f"Password (shown only this once, write it down): {password}")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.username)):
        click.echo(f"{user.username}\t{user.role.value}\t{'active' if user.active else 'disabled'}")
