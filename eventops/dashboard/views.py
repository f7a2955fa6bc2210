"""Where to go after login, an event's overview, one registration's page."""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..checkin import history as door_history
from ..core.forms import ActionForm
from ..core.views import can, event_view, of_event, perform, render_form, require
from ..events import services as events
from ..exhibitors import services as exhibitors
from ..registration import queries
from ..registration import services as registrations
from ..registration.forms import form_data, form_to_data, registration_form_class
from ..registration.models import Registration
from . import audit

bp = Blueprint("dashboard", __name__)


@bp.route("/home")
@login_required
def home():
    """After login: the one event someone works at, an exhibitor manager's portal, or the list."""
    my_events = events.events_for(current_user)
    if not my_events and not current_user.is_admin:
        profile = exhibitors.latest_profile_of(current_user)
        if profile is not None:  # an exhibitor manager
            return redirect(url_for("portal.organisation", slug=profile.event.slug, org_id=profile.organisation_id))
        if exhibitors.managed_organisations(current_user):  # a department's or association's manager
            return redirect(url_for("platform_manage.mine"))
    if len(my_events) == 1 and not current_user.is_admin:
        return redirect(url_for("dashboard.event", slug=my_events[0].slug))
    return redirect(url_for("events.manage_index"))


@bp.route("/manage/<slug>/")
@event_view("event.overview")
def event(event):
    """The overview for organizers; clerks and door staff are sent to the page of their work."""
    if not can("registrations.view", event):
        if can("ledger.view", event):
            return redirect(url_for("ledger.index", slug=event.slug))
        if can("checkin.scan", event):
            return redirect(url_for("checkin.scanner", slug=event.slug))
        if can("meetings.attend", event):  # a table host: the zone's now-and-next board
            return redirect(url_for("meetings.staff_board", slug=event.slug))
        abort(403)
    taken, held = registrations.places_taken(event)
    return render_form("dashboard/event.html", event=event, stats=queries.statistics(event), taken=taken,
                       held=held, waiting=queries.waitlisted_by_category(event))


@bp.route("/manage/<slug>/registrations/<int:registration_id>", methods=["GET", "POST"])
@event_view("registrations.view")
def registration(event, registration_id):
    """One registration: its details (editable by organizers), badge, check-ins and every scan."""
    registration = of_event(Registration, registration_id, event)
    form_class = registration_form_class(event, organizer=True, editing=True)
    if request.method == "GET":
        form = form_class(data=form_data(registration))
    else:
        require("registrations.edit", event)
        form = form_class()
        if form.validate_on_submit() and perform(
                lambda: registrations.update_details(registration, form_to_data(form, event), actor=current_user),
                _("The details have been saved."), form=form, field="name"):
            return redirect(url_for("dashboard.registration", slug=event.slug, registration_id=registration.id))
    return render_form("dashboard/registration.html", event=event, registration=registration,
                       check_ins=door_history.check_ins_of(registration), scans=door_history.scans_of(registration),
                       reissued=request.args.get("reissued") == "1", form=form, action_form=ActionForm(),
                       questions={str(q.id): q for q in event.questions})


@bp.route("/manage/<slug>/audit")
@event_view("event.manage")
def audit_log(event):
    """Every change organizers and staff made, in words: who, what, which object, before and after."""
    entries = audit.entries_page(event, page=request.args.get("page", 1, type=int))
    return render_form("dashboard/audit.html", event=event, entries=entries, lines=audit.readable(entries.items, event))
