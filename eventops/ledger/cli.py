import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from . import services

ledger_cli = AppGroup("ledger", help="The signing ledger.")


@ledger_cli.command("verify")
@click.option("--event", "slug", help="Only this event (default: every event).")
def verify(slug):
    """Check every event's hash chain and totals; exit 1 when anything was tampered with."""
    query = select(Event).order_by(Event.id)
    if slug:
        query = query.where(Event.slug == slug)
    events = db.session.scalars(query).all()
    if slug and not events:
        raise click.ClickException(f"no event {slug}")
    bad = False
    for event in events:
        head = services.head_of(event)
        problems = services.verify(event)
        if problems:
            bad = True
            click.echo(f"{event.slug}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"{event.slug}: ok ({head.last_seq if head else 0} entries)")
    if bad:
        raise SystemExit(1)
