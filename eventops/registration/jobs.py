"""Registration work that runs as jobs: the CSV import (after its preview), personal links mailed
to many people (after an import, or from the back office's list), and a message to all or some
registrants ("everyone in category X with status Y") through the outbox."""
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..core.mail import send_mail
from ..events.models import CATEGORIES, Event
from ..extensions import db
from ..jobs import services as jobs
from ..jobs.services import Kind
from . import csvio, personal_links
from .models import STATUSES, ImportBatch, Registration

MESSAGE_BATCH = 500


# --- the import -----------------------------------------------------------------------------------

def run_import(ctx) -> dict:
    """The import; with ``send_links``, the job that mails the imported people their personal
    links is started in the import's own transaction (it runs once the import is committed, and
    never for an import that was not)."""
    event = db.session.get(Event, ctx.event_id)
    batch = db.session.get(ImportBatch, ctx.params["batch_id"])
    mapping = {k: int(v) for k, v in ctx.params["mapping"].items()}

    def then(result):
        if ctx.params.get("send_links") and result["imported"]:
            links = jobs.start(event, SEND_LINKS.name, {"import_batch_id": batch.id}, actor=ctx.actor,
                               total=result["imported"], dedupe_key=f"links:import:{batch.id}")
            result["links_job_id"] = links.id

    result = csvio.run(event, batch, mapping, actor=ctx.actor, progress=ctx.progress, then=then)
    # the job ends in the import's own transaction: both are committed together, or neither
    return {k: v for k, v in result.items() if k != "rejected_rows"}


def import_summary(job) -> str:
    r = job.result
    return _("%(imported)d imported (%(confirmed)d confirmed, %(pending)d awaiting review, %(waitlisted)d "
             "waitlisted), %(duplicates)d duplicates skipped, %(rejected)d rejected.",
             imported=r.get("imported", 0), confirmed=r.get("confirmed", 0), pending=r.get("pending", 0),
             waitlisted=r.get("waitlisted", 0), duplicates=r.get("duplicates", r.get("skipped", 0)),
             rejected=r.get("rejected", 0))


def import_link(job) -> str:
    event = db.session.get(Event, job.event_id)
    return url_for("backoffice.import_preview", slug=event.slug, batch_id=job.params["batch_id"])


IMPORT = Kind("registrations.import", _l("CSV import"), "registrations.import", run_import, import_summary, import_link,
              _l("See the import"))


# --- a message to registrants ---------------------------------------------------------------------

def recipients(event, categories, statuses):
    """The registrations a message goes to: those of the ticked categories and statuses (none
    ticked: any), by id."""
    query = select(Registration.id).where(Registration.event_id == event.id)
    categories = [c for c in categories or [] if c in CATEGORIES]
    statuses = [s for s in statuses or [] if s in STATUSES]
    if categories:
        query = query.where(Registration.category.in_(categories))
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    return query.order_by(Registration.id)


def count_recipients(event, categories, statuses) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients(event, categories, statuses).subquery()))


def run_message(ctx) -> dict:
    """One outbox mail per person, in batches of 500 committed as they go. Each mail carries the
    job and the person as its dedupe key: a second run (a retry, a new attempt after a crash)
    writes the mails that are missing and no other."""
    event = db.session.get(Event, ctx.event_id)
    params = ctx.params
    ids = db.session.scalars(recipients(event, params.get("categories"), params.get("statuses"))).all()
    total = len(ids)
    note = _("Writing the mails")
    ctx.progress(0, total, note)
    for start in range(0, total, MESSAGE_BATCH):
        people = db.session.scalars(select(Registration).where(Registration.id.in_(ids[start:start + MESSAGE_BATCH]))
                                    .order_by(Registration.id)).all()
        for person in people:
            with force_locale(person.locale or "zh"):
                greeting = _("Dear %(name)s,", name=person.name)
            send_mail(person.email, f"[{event.name_zh}] {params['subject']}",
                      "\n\n".join([greeting, params["body"], event.name_zh]), event=event,
                      dedupe_key=f"job{ctx.job.id}:r{person.id}")
        db.session.commit()  # these mails are queued now; the worker delivers them after this commit
        ctx.progress(min(start + MESSAGE_BATCH, total), total, note)
    return {"recipients": total}


def message_summary(job) -> str:
    return _("%(n)d mails are in the outbox; workers deliver them.", n=job.result.get("recipients", 0))


def message_link(job) -> str:
    return url_for("events.outbox", slug=db.session.get(Event, job.event_id).slug)


MESSAGE = Kind("registrations.message", _l("Message to registrants"), "registrations.message", run_message,
               message_summary, message_link, _l("Mail outbox"))


# --- personal links to many people ----------------------------------------------------------------

def run_send_links(ctx) -> dict:
    """A new personal link by mail to each person of the selection (``personal_links.recipients``:
    ``ids``, ``filters`` or ``import_batch_id``), in batches committed as they go. The mails'
    dedupe keys name the import (one link mail per person and import, however often the job runs)
    or else this job: a second run writes the mails that are missing and no other."""
    event = db.session.get(Event, ctx.event_id)
    params = ctx.params
    selection = {k: params[k] for k in ("ids", "filters", "import_batch_id") if k in params}
    imported = "import_batch_id" in params
    key = (f"import{params['import_batch_id']}:link" if imported
           else f"{params['key']}:link" if params.get("key") else f"job{ctx.job.id}:link")
    ids = db.session.scalars(personal_links.recipients(event, **selection)).all()
    total = len(ids)
    note = _("Writing the mails")
    ctx.progress(0, total, note)
    sent = 0
    for start in range(0, total, personal_links.BATCH):
        sent += personal_links.send(event, ids[start:start + personal_links.BATCH],
                                    kind="imported" if imported else "sent", key=key)
        db.session.commit()  # these mails are queued now; the worker delivers them after this commit
        ctx.progress(min(start + personal_links.BATCH, total), total, note)
    personal_links.record(event, ctx.actor, sent, job=ctx.job)
    return {"recipients": total, "sent": sent}


def links_summary(job) -> str:
    return _("%(n)d personal links are in the outbox; workers deliver them.", n=job.result.get("recipients", 0))


SEND_LINKS = Kind("registrations.links", _l("Personal links by mail"), "registrations.message", run_send_links,
                  links_summary, message_link, _l("Mail outbox"))
