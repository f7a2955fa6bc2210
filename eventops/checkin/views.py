"""The door-staff scanner page and the organizer's check-in page (numbers, gates, devices)."""
from flask import Blueprint, Response, redirect, render_template, request, session, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.views import of_event, perform
from ..core.permissions import require
from ..core.spreadsheet import csv_chunks
from ..events.forms import ActionForm
from ..events.views import get_event_or_404
from . import services, stats
from ..organisations.models import Organisation
from ..registration.models import Registration
from .models import CheckIn, Device

bp = Blueprint("checkin", __name__, url_prefix="/manage/<slug>")


@bp.route("/scan")
@login_required
def scanner(slug):
    event = get_event_or_404(slug)
    require("checkin.scan", event)
    return render_template("checkin/scanner.html", event=event, gates=services.gates_of(event))


@bp.route("/checkin")
@login_required
def overview(slug):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    arrivals = stats.arrivals(event)
    peak = max([n for _t, n in arrivals], default=0)
    gates = services.gates_of(event)
    per_gate = stats.by_gate(event)
    no_shows = list(stats.no_shows(event))[:200] if request.args.get("no_shows") else None
    return render_template("checkin/overview.html", event=event, arrivals=arrivals, peak=peak, gates=gates,
                           per_gate=per_gate, expected=stats.expected(event), arrived=stats.arrived(event),
                           by_category=stats.by_column(event, Registration.category),
                           by_org_type=stats.by_column(event, Organisation.org_type), devices=services.devices_of(event),
                           new_token=session.pop("new_device_token", None), no_shows=no_shows,
                           action_form=ActionForm())


@bp.route("/checkin/no-shows.csv")
@login_required
def no_shows_csv(slug):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    rows = ([r.name, r.organisation.name, str(r.category_label), r.position, r.mobile, r.email]
            for r in stats.no_shows(event))
    header = [_("Name"), _("Organisation"), _("Category"), _("Position"), _("Mobile number"), _("E-mail")]
    response = Response(stream_with_context(csv_chunks(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-no-shows.csv"'
    return response


@bp.route("/checkin/gates", methods=["POST"])
@login_required
def add_gate(slug):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    if ActionForm().validate_on_submit():
        perform(lambda: services.add_gate(event, request.form.get("name", ""), actor=current_user),
                _("The gate has been added."))
    return redirect(url_for("checkin.overview", slug=slug))


@bp.route("/checkin/devices", methods=["POST"])
@login_required
def issue_device(slug):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    if ActionForm().validate_on_submit():
        issued = perform(lambda: services.issue_device(event, request.form.get("name", ""), actor=current_user),
                         _("Device token issued. Copy it now: it is not shown again."))
        if issued:
            session["new_device_token"] = issued[1]  # shown once, on the next page
    return redirect(url_for("checkin.overview", slug=slug))


@bp.route("/checkin/devices/<int:device_id>/revoke", methods=["POST"])
@login_required
def revoke_device(slug, device_id):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    device = of_event(Device, device_id, event)
    if ActionForm().validate_on_submit():
        perform(lambda: services.revoke_device(event, device, actor=current_user), _("The device can no longer scan."))
    return redirect(url_for("checkin.overview", slug=slug))


@bp.route("/checkin/<int:check_in_id>/annul", methods=["POST"])
@login_required
def annul(slug, check_in_id):
    event = get_event_or_404(slug)
    require("checkin.manage", event)
    check_in = of_event(CheckIn, check_in_id, event)
    if ActionForm().validate_on_submit():
        perform(lambda: services.annul(check_in, actor=current_user, reason=request.form.get("reason", "")),
                _("The check-in has been annulled; the person can be scanned again."))
    return redirect(url_for("backoffice.detail", slug=slug, registration_id=check_in.registration_id))
