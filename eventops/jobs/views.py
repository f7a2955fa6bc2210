"""A job's page (progress bar, then the result or the error, who started it), its status for the
bar, its file, and each event's recent jobs in the back office."""
from flask import Blueprint, abort, jsonify, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.views import can, download, event_view, of_event, require
from . import services
from .models import Job

bp = Blueprint("jobs", __name__, url_prefix="/manage/<slug>/jobs")

STATE_LABELS = {"queued": _l("Waiting for a worker"), "running": _l("Running"), "done": _l("Done"),
                "failed": _l("Failed")}


def _job(event, job_id) -> Job:
    job = of_event(Job, job_id, event)
    kind = services.kind_of(job)
    require(kind.permission if kind else "event.manage", event)
    return job


@bp.route("/")
@event_view("event.overview")
def index(event):
    kinds = services.kinds()
    jobs = [j for j in services.recent(event) if j.kind in kinds and can(kinds[j.kind].permission, event)]
    return render_template("jobs/index.html", event=event, jobs=jobs, kinds=kinds, states=STATE_LABELS)


@bp.route("/<int:job_id>")
@event_view("event.overview")
def show(event, job_id):
    job = _job(event, job_id)
    kind = services.kind_of(job)
    return render_template("jobs/show.html", event=event, job=job, kind=kind, status=services.status(job),
                           states=STATE_LABELS, file=services.file_of(job) if job.state == "done" else None,
                           summary=kind.summary(job) if kind and kind.summary and job.state == "done" else None,
                           link=kind.link(job) if kind and kind.link else None)


@bp.route("/<int:job_id>/status")
@event_view("event.overview")
def status(event, job_id):
    job = _job(event, job_id)
    data = services.status(job)
    data["label"] = str(STATE_LABELS.get(job.state, job.state))
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/file")
@event_view("event.overview")
def file(event, job_id):
    job = _job(event, job_id)
    stored = services.file_of(job) if job.state == "done" else None
    if stored is None:
        abort(404)
    return download(services.read_file(stored), stored.filename)


def state_label(state) -> str:
    return str(STATE_LABELS.get(state, state)) or _("Unknown")
