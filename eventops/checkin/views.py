"""The door-staff scanner page and the organizer's check-in page (numbers, gates, devices)."""
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.spreadsheet import csv_chunks
from ..core.views import download, event_view, of_event, perform
from ..organisations.models import Organisation
from ..registration.models import Registration
from . import services, stats
from .models import CheckIn, Device

bp = Blueprint("checkin", __name__, url_prefix="/manage/<slug>")


@bp.route("/scan")
@event_view("checkin.scan")
def scanner(event):
    return render_template("checkin/scanner.html", event=event, gates=services.gates_of(event))


@bp.route("/checkin")
@event_view("checkin.manage")
def overview(event):
    arrivals = stats.arrivals(event)
    no_shows = list(stats.no_shows(event))[:200] if request.args.get("no_shows") else None
    return render_template("checkin/overview.html", event=event, arrivals=arrivals,
                           peak=max([n for _t, n in arrivals], default=0), gates=services.gates_of(event),
                           per_gate=stats.by_gate(event), expected=stats.expected(event), arrived=stats.arrived(event),
                           by_category=stats.by_column(event, Registration.category),
                           by_org_type=stats.by_column(event, Organisation.org_type), devices=services.devices_of(event),
                           new_token=session.pop("new_device_token", None), no_shows=no_shows,
                           action_form=ActionForm())


@bp.route("/checkin/no-shows.csv")
@event_view("checkin.manage")
def no_shows_csv(event):
    rows = ([r.name, r.organisation.name, str(r.category_label), r.position, r.mobile, r.email]
            for r in stats.no_shows(event))
    header = [_("Name"), _("Organisation"), _("Category"), _("Position"), _("Mobile number"), _("E-mail")]
    return download(csv_chunks(header, rows), f"{event.slug}-no-shows.csv")


@bp.route("/checkin/gates", methods=["POST"])
@event_view("checkin.manage")
def add_gate(event):
    perform(lambda: services.add_gate(event, request.form.get("name", ""), actor=current_user),
            _("The gate has been added."))
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/devices", methods=["POST"])
@event_view("checkin.manage")
def issue_device(event):
    issued = perform(lambda: services.issue_device(event, request.form.get("name", ""), actor=current_user),
                     _("Device token issued. Copy it now: it is not shown again."))
    if issued:
        session["new_device_token"] = issued.value[1]  # shown once, on the next page
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/devices/<int:device_id>/revoke", methods=["POST"])
@event_view("checkin.manage")
def revoke_device(event, device_id):
    device = of_event(Device, device_id, event)
    perform(lambda: services.revoke_device(event, device, actor=current_user), _("The device can no longer scan."))
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/<int:check_in_id>/annul", methods=["POST"])
@event_view("checkin.manage")
def annul(event, check_in_id):
    check_in = of_event(CheckIn, check_in_id, event)
    perform(lambda: services.annul(check_in, actor=current_user, reason=request.form.get("reason", "")),
            _("The check-in has been annulled; the person can be scanned again."))
    return redirect(url_for("dashboard.registration", slug=event.slug, registration_id=check_in.registration_id))
