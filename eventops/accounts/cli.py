import click
from flask.cli import AppGroup

from ..core.errors import DomainError
from ..extensions import db
from . import services

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.option("--admin", is_flag=True, help="Give every permission.")
@click.password_option()
def create(email, name, admin, password):
    """Create an account (an admin with --admin)."""
    try:
        user = services.create_user(email, password, name=name, is_admin=admin)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    db.session.commit()
    click.echo(f"created {user.email}{' (admin)' if admin else ''}")
