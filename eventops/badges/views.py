"""A registrant's badge (from the personal link) and the organizers' bulk print."""
import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.views import download, event_view, of_event, perform, personal_view
from ..extensions import db
from ..jobs import services as jobs
from ..registration.models import Registration
from . import jobs as badge_jobs
from . import render, services
from .codes import payload

bp = Blueprint("badges", __name__)
CRITERIA = badge_jobs.CRITERIA


def _badge(registration):
    badge = services.badge_for(registration)
    db.session.commit()
    return badge


@bp.route("/r/<token>/badge.pdf")
@personal_view(approved=True)
def personal_pdf(registration, token):
    body = render.render([services.badge_data(registration, _badge(registration))], sheet="label",
                         title=registration.name)
    return download(body, "badge.pdf", inline=True)


@bp.route("/r/<token>/qr.svg")
@personal_view(approved=True)
def personal_qr(registration, token):
    image = qrcode.make(payload(_badge(registration).code), image_factory=qrcode.image.svg.SvgPathImage,
                        box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _criteria():
    return {name: request.args.get(name, "") for name in CRITERIA}


@bp.route("/manage/<slug>/badges")
@event_view("badges.print")
def bulk(event):
    """The print's selection, counted, and the names in it that would print with a character no
    font has (listed here before the print, never dropped on the badge unseen)."""
    selection = services.selection(event, **_criteria())
    unprintable_count, unprintable = services.unprintable(event, selection)
    return render_template("badges/bulk.html", event=event, args=request.args, chunk=render.CHUNK,
                           count=services.count(selection), unprintable=unprintable,
                           unprintable_count=unprintable_count)


@bp.route("/manage/<slug>/badges/print", methods=["POST"])
@event_view("badges.print")
def bulk_print(event):
    """The print runs as a job; its page shows the progress, then offers the file."""
    params = badge_jobs.params_from(request.form)
    selection = services.selection(event, **{k: params[k] for k in CRITERIA})
    # the same print asked for again while it runs (a second tab) is the same job
    done = perform(lambda: jobs.start(event, badge_jobs.PRINT.name, params, actor=current_user,
                                      total=services.count(selection), dedupe_key=badge_jobs.dedupe_key(event, params)))
    if not done:
        return redirect(url_for("badges.bulk", slug=event.slug, **{k: v for k, v in params.items() if v}))
    return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))


@bp.route("/manage/<slug>/registrations/<int:registration_id>/badge/reissue", methods=["POST"])
@event_view("badges.print")
def reissue(event, registration_id):
    registration = of_event(Registration, registration_id, event)
    done = perform(lambda: services.reissue(registration, actor=current_user),
                   _("A new badge code has been issued; the old badge no longer admits anyone."))
    return redirect(url_for("dashboard.registration", slug=event.slug, registration_id=registration_id,
                            reissued=1 if done else None, _anchor="badge" if done else None))


@bp.route("/manage/<slug>/registrations/<int:registration_id>/badge.pdf")
@event_view("badges.print")
def one(event, registration_id):
    """One person's badge, one per page (after a reissue, at the help desk)."""
    registration = of_event(Registration, registration_id, event)
    if registration.status != "approved":
        abort(404)
    body = render.render([services.badge_data(registration, _badge(registration))], sheet="label",
                         title=registration.name)
    return download(body, f"{event.slug}-badge-{registration.id}.pdf", inline=True)
