"""The press summary PDF as a job: made from the ledger's totals "as of" the moment it runs, kept
in job storage for download."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.timeutil import now_utc, to_zone
from ..events.models import Event
from ..extensions import db
from ..jobs.services import Kind
from . import reports, services


def run(ctx) -> dict:
    event = db.session.get(Event, ctx.event_id)
    as_of = now_utc()
    # what is printed is remembered: a checkpoint of the ledger's end, printed at the foot (committed
    # at once: it holds the ledger head's lock, which the job's progress and file writes must not
    # wait behind; a retried job writes a second checkpoint, which is harmless)
    point = services.checkpoint(event, reason="press_summary")
    db.session.commit()
    ctx.progress(0, 2, _("Adding up the ledger"))
    body = reports.press_pdf(event, services.summary(event), services.session_names(event),
                             services.by_organisation_type(event, "hospital"), as_of, checkpoint=point)
    ctx.progress(1, 2, _("Writing the PDF"))
    filename = f"{event.slug}-signings-{to_zone(as_of, event.timezone):%Y%m%d-%H%M}.pdf"
    ctx.output(filename, "application/pdf").write(body)
    ctx.progress(2, 2)
    return {"as_of": as_of.isoformat(), "file": filename}


def summary(job) -> str:
    return _("The press summary is ready.")


def link(job) -> str:
    return url_for("ledger.index", slug=db.session.get(Event, job.event_id).slug)


PRESS = Kind("ledger.press", _l("Press summary (PDF)"), "ledger.export", run, summary, link)
