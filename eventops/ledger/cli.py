import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from . import services

ledger_cli = AppGroup("ledger", help="The signing ledger.")


def _printed(values):
    out = []
    for value in values:
        seq, _sep, entry_hash = value.partition(":")
        if not seq.isdigit() or len(entry_hash) < 8:
            raise click.BadParameter(f"{value!r}: give ENTRY:HASH as printed, e.g. 42:3f9a0c1d2e4b5a6c")
        out.append((int(seq), entry_hash))
    return out


@ledger_cli.command("verify")
@click.option("--event", "slug", help="Only this event (default: every event).")
@click.option("--printed", multiple=True, metavar="ENTRY:HASH",
              help="A checkpoint printed on a press summary (needs --event); repeatable.")
def verify(slug, printed):
    """Check every event's chains (hash and keyed mac), checkpoints and totals; exit 1 when
    anything was changed, forged or cut off."""
    known = _printed(printed)
    if known and not slug:
        raise click.UsageError("--printed needs --event")
    query = select(Event).order_by(Event.id)
    if slug:
        query = query.where(Event.slug == slug)
    events = db.session.scalars(query).all()
    if slug and not events:
        raise click.ClickException(f"no event {slug}")
    bad = False
    for event in events:
        head = services.head_of(event)
        problems = services.verify(event, known=known)
        if problems:
            bad = True
            click.echo(f"{event.slug}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"{event.slug}: ok ({head.last_seq if head else 0} entries)")
    if bad:
        raise SystemExit(1)
