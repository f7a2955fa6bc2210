"""The bulk badge print as a job: the badges are issued, rendered chunk by chunk (render.zip_stream
above ``render.CHUNK`` badges) and written to job storage as they come, so memory stays flat."""
import hashlib
import json

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core import fonts
from ..events.models import Event
from ..extensions import db
from ..jobs.services import Kind
from . import render, services

CRITERIA = ("category", "org_type", "organisation", "sort")
PROGRESS_EVERY = 50


def params_from(args) -> dict:
    params = {name: (args.get(name) or "")[:100] for name in CRITERIA}
    params["sheet"] = "label" if args.get("sheet") == "label" else "a4"
    return params


def dedupe_key(event, params) -> str:
    """The same print (event, selection, paper) asked for again while it runs is the same job."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    return f"badges:{event.id}:{digest}"


def _counted(badges, progress, total):
    note = _("Rendering badges")
    for done, badge in enumerate(badges, 1):
        if done % PROGRESS_EVERY == 0:
            progress(done, total, note)
        yield badge
    progress(total, total, note)


class _Unprintable:
    """Counts, on the way through, the badges with a character that no font has (drawn as an empty
    box): the job's result says how many, so a print started without a look at the badges page,
    which lists them, does not hide them."""

    def __init__(self, badges):
        self.badges, self.count = badges, 0

    def __iter__(self):
        for badge in self.badges:
            if fonts.missing(f"{badge.name}{badge.organisation}{badge.position or ''}{badge.event_name}"):
                self.count += 1
            yield badge


def run(ctx) -> dict:
    event = db.session.get(Event, ctx.event_id)
    params = ctx.params
    total, badges = services.print_run(event, **{k: params.get(k, "") for k in CRITERIA})
    badges = _Unprintable(badges)
    db.session.commit()  # the badges issued for the print stand, whatever happens to the file
    sheet = params.get("sheet", "a4")
    if total <= render.CHUNK:
        # one PDF drawn in one call: nothing to count on the way (the bar shows it is working)
        ctx.progress(0, 0, _("Drawing %(n)d badges into one PDF", n=total))
        filename = f"{event.slug}-badges.pdf"
        ctx.output(filename, "application/pdf").write(render.render(list(badges), sheet=sheet, title=event.name_zh))
        ctx.progress(total, total)
    else:
        # a ZIP of PDFs of render.CHUNK badges: counted as zip_stream takes them, chunk by chunk
        ctx.progress(0, total, _("Rendering badges"))
        filename = f"{event.slug}-badges.zip"
        out = ctx.output(filename, "application/zip")
        for piece in render.zip_stream(_counted(iter(badges), ctx.progress, total), sheet=sheet, title=event.name_zh,
                                       name=f"{event.slug}-badges"):
            out.write(piece)
    return {"badges": total, "file": filename, "unprintable": badges.count}


def summary(job) -> str:
    ready = _("%(n)d badges are ready.", n=job.result.get("badges", 0))
    if job.result.get("unprintable"):
        return ready + " " + _("%(n)d of them show an empty box for a character that no font has: the badges page "
                               "lists them.", n=job.result["unprintable"])
    return ready


def link(job) -> str:
    return url_for("badges.bulk", slug=job_event_slug(job))


def job_event_slug(job) -> str:
    return db.session.get(Event, job.event_id).slug


PRINT = Kind("badges.print", _l("Badge print"), "badges.print", run, summary, link)
