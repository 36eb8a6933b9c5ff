from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Role, StaffUser
from survey.services.accounts import create_user, generate_password, reset_password
from survey.services.errors import ServiceError

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
        create_user(db.session, username, password, role, must_change=True)
    except ServiceError as exc:
        raise click.ClickException(exc.translated("en")) from exc
    db.session.commit()
    click.echo(f"Created {role} account {username!r}; the password must be changed at the "
               "first sign-in.")
    if generated:
        click.echo(f"Password (shown only this once): {password}")


@users_cli.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def ensure_admin(username: str) -> None:
    """Create a first admin account if there is no active one; print its password once."""
    count = db.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.role == Role.ADMIN, StaffUser.active.is_(True)))
    if count:
        click.echo("An admin account exists already; no account created.")
        return
    password = generate_password()
    try:
        create_user(db.session, username, password, Role.ADMIN, must_change=True)
    except ServiceError as exc:
        raise click.ClickException(f"{exc.translated('en')} Use --username to choose another "
                                   "name, or `flask users reset-password` for the existing "
                                   "account.") from exc
    db.session.commit()
    click.echo(f"Created the first admin account: {username}")
    click.echo(f"Password (shown only this once, write it down; it must be changed at the "
               f"first sign-in): {password}")


@users_cli.command("list")
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.username)):
        click.echo(f"{user.username}\t{user.role.value}\t{'active' if user.active else 'disabled'}")


@users_cli.command("reset-password")
@click.argument("username")
def reset_password_command(username: str) -> None:
    """Give an account a new generated password (printed once) and end all its sessions.

    For the operator when the only admin has forgotten their password: nobody could reset it
    in the browser. Audited like a reset by an admin (without an acting user)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None:
        raise click.ClickException(f"No account named {username!r}.")
    password = reset_password(db.session, user)
    db.session.commit()
    click.echo(f"New password for {user.username} (shown only this once): {password}")
