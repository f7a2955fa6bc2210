"""The schedule button and "re-plan the rest of the day" as jobs: the zone is solved under a hard
time limit (``bounded``) and the meetings written in the job's own transaction."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError
from ..core.timeutil import now_utc
from ..events.models import Event
from ..extensions import db
from ..jobs.services import Kind
from . import bounded, scheduling
from .solver import InstanceError

MAX_SECONDS = 300.0
REPLAN_SECONDS = 5.0  # on the day, with people waiting: a good plan now beats a better one later


def seconds_from(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 10.0
    return min(max(seconds, 1.0), MAX_SECONDS) if seconds == seconds else 10.0


def run(ctx) -> dict:
    event = db.session.get(Event, ctx.event_id)
    seconds = seconds_from(ctx.params.get("time_limit"))
    note = _("Solving")

    def solver(instance, time_limit):
        return bounded.solve_within(instance, time_limit, progress=lambda done, total: ctx.progress(done, total, note))

    try:
        schedule = scheduling.run(event, actor=ctx.actor, time_limit=seconds, solver=solver)
    except InstanceError as exc:
        raise _failed(exc) from exc
    reasons = schedule.get("reasons") or {}
    return {"placed": len(schedule["meetings"]), "unscheduled": len(schedule["unscheduled"]),
            "objective": schedule.get("objective"), "overran": bool(schedule.get("overran")),
            "reasons": [[r, reasons.get(r, "")] for r in schedule["unscheduled"][:20]]}


def _failed(exc: InstanceError) -> DomainError:
    """The job fails with every one of the first 20 problems."""
    lines = [f"{p.get('entry')}: {p.get('reason')}" for p in exc.problems[:20]]
    return DomainError(exc.code, "\n".join(lines) or exc.message)


def summary(job) -> str:
    r = job.result
    text = _("%(placed)d meetings placed, %(left)d could not be placed.", placed=r.get("placed", 0),
             left=r.get("unscheduled", 0))
    if r.get("overran"):
        text += " " + _("The solver did not finish in time: this is the quick plan made beside it.")
    lines = [f"{request}: {reason}" for request, reason in r.get("reasons", [])]
    return "\n".join([text, *lines])


def link(job) -> str:
    return url_for("meetings.manage", slug=db.session.get(Event, job.event_id).slug)


def run_replan(ctx) -> dict:
    """Re-plan the rest of the day from now, with the people checked in now."""
    event = db.session.get(Event, ctx.event_id)
    note = _("Re-planning")

    def solver(instance, current, time_limit):
        return bounded.replan_within(instance, current, time_limit,
                                     progress=lambda done, total: ctx.progress(done, total, note))

    try:
        schedule = scheduling.replan(event, actor=ctx.actor, now=now_utc(), time_limit=REPLAN_SECONDS, solver=solver)
    except InstanceError as exc:
        raise _failed(exc) from exc
    return {"moved": len(schedule.get("moved", ())), "dropped": len(schedule.get("dropped", ())),
            "added": len(schedule.get("added", ())), "placed": len(schedule["meetings"]),
            "unscheduled": len(schedule["unscheduled"]), "objective": schedule.get("objective"),
            "baseline": schedule.get("baseline"), "overran": bool(schedule.get("overran"))}


def replan_summary(job) -> str:
    r = job.result
    text = _("%(moved)d meetings moved, %(added)d added, %(dropped)d taken off the plan.", moved=r.get("moved", 0),
             added=r.get("added", 0), dropped=r.get("dropped", 0))
    text += " " + _("The changes are in the draft: announce them to tell the people concerned.")
    if r.get("overran"):
        text += " " + _("The solver did not finish in time: this is the quick plan made beside it.")
    return text


def replan_link(job) -> str:
    return url_for("meetings.manage", slug=db.session.get(Event, job.event_id).slug, changes=1) + "#changes"


SCHEDULE = Kind("meetings.schedule", _l("Meeting schedule"), "event.manage", run, summary, link, _l("See the grid"))
REPLAN = Kind("meetings.replan", _l("Re-plan of the rest of the day"), "event.manage", run_replan, replan_summary,
              replan_link, _l("See the changes"))
