"""Organizers: review profiles, lay out booths and assign them, keep PIs, review demands, see
meeting requests, name exhibitor managers."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import services as accounts
from ..core.errors import InvalidInput
from ..core.views import of_event, perform
from ..core.permissions import require
from ..events.forms import ActionForm
from ..events.views import get_event_or_404
from ..organisations import services as organisations
from . import demands, services
from .forms import BoothForm
from .models import Booth, Demand, ExhibitorProfile

bp = Blueprint("showcase", __name__, url_prefix="/manage/<slug>/showcase")


def _event(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    return event


@bp.route("/")
@login_required
def index(slug):
    event = _event(slug)
    booths = services.booths_of(event)
    return render_template("exhibitors/manage.html", event=event, profiles=services.profiles_for_review(event),
                           booths=booths, applications=services.applications(event),
                           demands=demands.for_review(event), requests=services.meeting_requests(event),
                           booth_form=BoothForm(), action_form=ActionForm(),
                           free_booths=[b for b in booths if b.profile_id is None])


@bp.route("/profiles/<int:profile_id>/review", methods=["POST"])
@login_required
def review_profile(slug, profile_id):
    event = _event(slug)
    profile = of_event(ExhibitorProfile, profile_id, event)
    if ActionForm().validate_on_submit():
        publish = request.form.get("decision") == "publish"
        perform(lambda: services.review_profile(profile, publish=publish, note=request.form.get("note", ""),
                                                actor=current_user),
                _("The profile is published.") if publish else _("The profile was returned for changes."))
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/booths", methods=["POST"])
@login_required
def add_booth(slug):
    event = _event(slug)
    form = BoothForm()
    if form.validate_on_submit():
        perform(lambda: services.add_booth(event, code=form.code.data, zone=form.zone.data, x=form.x.data,
                                           y=form.y.data, width=form.width.data, depth=form.depth.data,
                                           label=form.label.data, actor=current_user),
                _("The booth has been added."))
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/booths/assign", methods=["POST"])
@login_required
def assign(slug):
    event = _event(slug)
    if ActionForm().validate_on_submit():
        perform(lambda: services.assign_booth(event, request.form.get("booth", type=int),
                                              request.form.get("profile", type=int), actor=current_user),
                lambda booth: _("Booth %(code)s assigned.", code=booth.code))
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/booths/<int:booth_id>/release", methods=["POST"])
@login_required
def release(slug, booth_id):
    event = _event(slug)
    booth = of_event(Booth, booth_id, event)
    if ActionForm().validate_on_submit():
        perform(lambda: services.release_booth(event, booth, actor=current_user), _("The booth is free again."))
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/demands/<int:demand_id>/review", methods=["POST"])
@login_required
def review_demand(slug, demand_id):
    event = _event(slug)
    demand = of_event(Demand, demand_id, event)
    if ActionForm().validate_on_submit():
        publish = request.form.get("decision") == "publish"
        perform(lambda: demands.review(demand, publish=publish, actor=current_user),
                lambda recommended: _("Published and pushed to %(n)d recommended counterparts.", n=len(recommended))
                if publish else _("The demand will not be published."))
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/pis", methods=["POST"])
@login_required
def add_pi(slug):
    event = _event(slug)
    if ActionForm().validate_on_submit():
        def add():
            hospital = organisations.find_by_name(request.form.get("hospital", ""))
            if hospital is None:
                raise InvalidInput({"hospital": _("Unknown hospital: register it first.")})
            return services.add_pi(event, hospital, name=request.form.get("name", ""),
                                   department=request.form.get("department", ""),
                                   specialty=request.form.get("specialty", ""),
                                   research_areas=request.form.get("research_areas", "").split(),
                                   trial_experience=request.form.get("trial_experience", ""), actor=current_user)
        perform(add, _("The PI has been added."))
    return redirect(url_for("showcase.index", slug=slug))


@bp.route("/managers", methods=["POST"])
@login_required
def add_manager(slug):
    """Name an exhibitor manager: an account (invited by mail if new) that edits one organisation."""
    event = _event(slug)
    if ActionForm().validate_on_submit():
        def name_manager():
            organisation = organisations.find_by_name(request.form.get("organisation", ""))
            if organisation is None:
                raise InvalidInput({"organisation": _("Unknown organisation: it needs a registration at the event first.")})
            user = accounts.find_by_email(request.form.get("email", ""))
            if user is None:
                user = accounts.invite(request.form.get("email", ""))
                accounts.mail_reset_link(user, invited_to=event)
            services.add_manager(organisation, user, actor=current_user)
            services.profile_for(event, organisation)
            return user, organisation
        perform(name_manager, lambda done: _("%(email)s now manages %(org)s.", email=done[0].email, org=done[1].name))
    return redirect(url_for("showcase.index", slug=slug))
