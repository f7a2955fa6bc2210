"""Organizers: review profiles, lay out booths and assign them, keep PIs, review demands, see
meeting requests, name exhibitor managers."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.views import event_view, of_event, perform
from ..meetings import zone
from . import demands, services
from .forms import BoothForm
from .models import Booth, Demand, ExhibitorProfile

bp = Blueprint("showcase", __name__, url_prefix="/manage/<slug>/showcase")


@bp.route("/")
@event_view("event.manage")
def index(event):
    booths = services.booths_of(event)
    return render_template("exhibitors/manage.html", event=event, profiles=services.profiles_for_review(event),
                           booths=booths, applications=services.applications(event),
                           demands=demands.for_review(event), requests=zone.requests_of(event),
                           booth_form=BoothForm(), action_form=ActionForm(),
                           free_booths=[b for b in booths if b.profile_id is None])


@bp.route("/profiles/<int:profile_id>/review", methods=["POST"])
@event_view("event.manage")
def review_profile(event, profile_id):
    profile = of_event(ExhibitorProfile, profile_id, event)
    publish = request.form.get("decision") == "publish"
    perform(lambda: services.review_profile(profile, publish=publish, note=request.form.get("note", ""),
                                            actor=current_user),
            _("The profile is published.") if publish else _("The profile was returned for changes."))
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/booths", methods=["POST"])
@event_view("event.manage")
def add_booth(event):
    form = BoothForm()
    if form.validate_on_submit():
        perform(lambda: services.add_booth(event, code=form.code.data, zone=form.zone.data, x=form.x.data,
                                           y=form.y.data, width=form.width.data, depth=form.depth.data,
                                           label=form.label.data, actor=current_user),
                _("The booth has been added."))
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/booths/assign", methods=["POST"])
@event_view("event.manage")
def assign(event):
    perform(lambda: services.assign_booth(event, request.form.get("booth", type=int),
                                          request.form.get("profile", type=int), actor=current_user),
            lambda booth: _("Booth %(code)s assigned.", code=booth.code))
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/booths/<int:booth_id>/release", methods=["POST"])
@event_view("event.manage")
def release(event, booth_id):
    booth = of_event(Booth, booth_id, event)
    perform(lambda: services.release_booth(event, booth, actor=current_user), _("The booth is free again."))
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/demands/<int:demand_id>/review", methods=["POST"])
@event_view("event.manage")
def review_demand(event, demand_id):
    demand = of_event(Demand, demand_id, event)
    publish = request.form.get("decision") == "publish"
    perform(lambda: demands.review(demand, publish=publish, actor=current_user),
            lambda recommended: _("Published and pushed to %(n)d recommended counterparts.", n=len(recommended))
            if publish else _("The demand will not be published."))
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/pis", methods=["POST"])
@event_view("event.manage")
def add_pi(event):
    form = request.form
    perform(lambda: services.add_pi(event, services.hospital_named(form.get("hospital", "")),
                                    name=form.get("name", ""), department=form.get("department", ""),
                                    specialty=form.get("specialty", ""),
                                    research_areas=form.get("research_areas", "").split(),
                                    trial_experience=form.get("trial_experience", ""), actor=current_user),
            _("The PI has been added."))
    return redirect(url_for("showcase.index", slug=event.slug))


@bp.route("/managers", methods=["POST"])
@event_view("event.manage")
def add_manager(event):
    """Name an exhibitor manager: an account (invited by mail if new) that edits one organisation."""
    perform(lambda: services.name_manager(event, request.form.get("organisation", ""), request.form.get("email", ""),
                                          actor=current_user),
            lambda done: _("%(email)s now manages %(org)s.", email=done[0].email, org=done[1].name))
    return redirect(url_for("showcase.index", slug=event.slug))
