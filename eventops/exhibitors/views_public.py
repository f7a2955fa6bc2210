"""Public pages of the showcase: the corridor map, the exhibitor directory, find a PI, the demand
board. Only what organizers published is shown."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.views import event_view, of_event, perform, render_form
from ..extensions import db, limiter
from ..meetings import zone
from ..organisations.models import ORG_TYPES, Organisation
from . import demands, services
from .forms import MeetingRequestForm
from .models import Demand, PrincipalInvestigator, Upload

bp = Blueprint("exhibitors", __name__, url_prefix="/e/<slug>")


@bp.app_template_filter("map_label")
def map_label(name, width):
    return services.map_label(name, width)


def floor_plan(booths):
    """The SVG viewBox (metres) that holds every booth, with a margin."""
    if not booths:
        return "0 0 40 20"
    right = max(b.x + b.width for b in booths) + 2
    bottom = max(b.y + b.depth for b in booths) + 2
    return f"-2 -2 {right + 2:g} {bottom + 2:g}"


@bp.route("/corridor")
@event_view(public=True)
def corridor(event):
    booths = services.booths_of(event)
    return render_template("exhibitors/corridor.html", event=event, booths=booths, viewbox=floor_plan(booths),
                           highlight=request.args.get("booth", type=int))


@bp.route("/exhibitors")
@event_view(public=True)
def directory(event):
    args = {k: (request.args.get(k) or "").strip()[:50] for k in ("q", "specialty", "tag", "org_type")}
    if args["org_type"] not in ORG_TYPES:
        args["org_type"] = ""
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1000))
    items, total = services.search_profiles(event, page=page, **args)
    booths = {b.profile_id: b for b in services.booths_of(event) if b.profile_id}
    return render_template("exhibitors/directory.html", event=event, items=items, total=total, args=args, page=page,
                           pages=max(1, (total + 23) // 24), booths=booths)


@bp.route("/exhibitors/<int:profile_id>")
@event_view(public=True)
def profile(event, profile_id):
    item = services.published_profile(event, profile_id)
    if item is None:
        abort(404)
    booths = services.booths_of(event)
    mine = [b for b in booths if b.profile_id == item.id]
    return render_template("exhibitors/profile.html", event=event, profile=item, booths=booths, mine=mine,
                           viewbox=floor_plan(booths), brochures=services.brochures(event, item.organisation_id),
                           form=MeetingRequestForm())


@bp.route("/files/<int:upload_id>/<name>")
@event_view(public=True)
def upload(event, upload_id, name):
    """A published exhibitor's logo or brochure: only image/png, image/jpeg or application/pdf,
    sniffed when uploaded, sent with nosniff, and as an attachment when it is a PDF."""
    item = of_event(Upload, upload_id, event)
    if not services.may_see_upload(item, current_user):
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    disposition = "attachment" if item.content_type == "application/pdf" else "inline"
    response.headers["Content-Disposition"] = f"{disposition}; filename=\"file-{item.id}\""
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/pis")
@event_view(public=True)
def pis(event):
    q = (request.args.get("q") or "").strip()[:50]
    specialty = (request.args.get("specialty") or "").strip()[:50]
    hospital_id = request.args.get("hospital", type=int)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1000))
    items, total = services.search_pis(event, q=q, specialty=specialty, hospital_id=hospital_id, page=page)
    hospitals = services.pi_hospitals(event)
    return render_template("exhibitors/pis.html", event=event, items=items, total=total, q=q, specialty=specialty,
                           hospital_id=hospital_id, hospitals=hospitals, page=page, pages=max(1, (total + 29) // 30))


@bp.route("/pis/<int:pi_id>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@event_view(public=True)
def pi(event, pi_id):
    item = of_event(PrincipalInvestigator, pi_id, event)
    form = MeetingRequestForm()
    if form.validate_on_submit() and perform(
            lambda: zone.ask_organisation(event, target_kind="pi", target_id=item.id, to_organisation_id=item.hospital_id,
                                          topic=form.topic.data, message=form.message.data,
                                          from_name=form.from_name.data, from_contact=form.from_contact.data),
            _("Your request has been sent to the organizers, who will arrange the meeting."), form=form):
        return redirect(url_for("exhibitors.pi", slug=event.slug, pi_id=pi_id))
    return render_form("exhibitors/pi.html", event=event, pi=item, form=form)


@bp.route("/demands")
@event_view(public=True)
def demand_board(event):
    kind = request.args.get("kind", "")
    q = (request.args.get("q") or "").strip()[:50]
    return render_template("exhibitors/demands.html", event=event, items=demands.published(event, kind=kind, q=q),
                           kind=kind, q=q)


@bp.route("/demands/<int:demand_id>", methods=["GET", "POST"])
@event_view(public=True)
def demand(event, demand_id):
    item = of_event(Demand, demand_id, event)
    if item.status != "published":
        abort(404)
    mine = {o.id for o in services.managed_organisations(current_user)}
    if request.method == "POST":
        # one click: an exhibitor manager asks the demand's owner (or a recommended counterpart) to meet
        from_id = request.form.get("from_organisation", type=int)
        to_id = request.form.get("to_organisation", type=int)
        if from_id not in mine or not to_id:
            abort(403)
        perform(lambda: zone.ask_organisation(event, target_kind="demand", target_id=item.id, to_organisation_id=to_id,
                                              from_organisation=db.session.get(Organisation, from_id), topic=item.title),
                _("Meeting requested: the organizers will put it on the negotiation schedule."))
        return redirect(url_for("exhibitors.demand", slug=event.slug, demand_id=demand_id))
    recommendations = demands.recommendations_of(item) if (item.organisation_id in mine or current_user.is_authenticated) else []
    return render_template("exhibitors/demand.html", event=event, demand=item, recommendations=recommendations,
                           mine=mine)
