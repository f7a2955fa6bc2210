"""Exhibitor managers: their organisation's profile, files, booth application, demands, notices
and the leads they capture at the booth. Only an organisation's own managers get in."""
from functools import wraps

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.spreadsheet import csv_chunks
from ..core.timeutil import to_zone
from ..core.views import download, get_event_or_404, perform, render_form
from ..extensions import db
from ..organisations.models import Organisation
from . import demands, services
from .forms import BoothApplicationForm, DemandForm, LeadForm, ProfileForm, UploadForm

bp = Blueprint("portal", __name__, url_prefix="/exhibitor/<slug>")


def portal_view(view):
    """A page of one organisation's portal: only its managers (and admins) get in; the view gets
    the event, the organisation and its profile at the event."""
    @wraps(view)
    @login_required
    def wrapper(slug, org_id):
        event = get_event_or_404(slug)
        organisation = db.session.get(Organisation, org_id)
        if organisation is None:
            abort(404)
        if not (current_user.is_admin or services.manages(current_user, org_id)):
            abort(403)
        return view(event, organisation, services.profile_for(event, organisation))
    return wrapper


@bp.route("/")
@login_required
def index(slug):
    event = get_event_or_404(slug)
    orgs = services.managed_organisations(current_user)
    if len(orgs) == 1:
        return redirect(url_for("portal.organisation", slug=slug, org_id=orgs[0].id))
    if not orgs:
        abort(403)
    return render_template("exhibitors/portal_index.html", event=event, organisations=orgs)


def _render(event, organisation, profile, **forms):
    forms.setdefault("profile_form", _profile_form(profile))
    forms.setdefault("upload_form", UploadForm())
    forms.setdefault("booth_form", BoothApplicationForm())
    forms.setdefault("demand_form", DemandForm())
    forms.setdefault("lead_form", LeadForm())
    return render_form("exhibitors/portal.html", event=event, organisation=organisation, profile=profile,
                       booth=services.booth_of_organisation(event, organisation.id),
                       brochures=services.brochures(event, organisation.id),
                       notices=demands.notices_for(event, [organisation.id]),
                       leads=services.leads_of(profile), **forms)


def _saved(profile):
    if profile.status == "published":
        return _("Saved. Your changes go public once organizers have reviewed them; until then the "
                 "public page shows the published profile.")
    if profile.status == "submitted":
        return _("Saved. Organizers review the profile before it is public.")
    return _("Saved as a draft.")


def _back(event, organisation):
    return redirect(url_for("portal.organisation", slug=event.slug, org_id=organisation.id))


def _profile_form(profile):
    data = services.editable(profile)
    form = ProfileForm(formdata=None, data=data)
    form.specialties.data = "\n".join(data["specialties"])
    form.tags.data = "\n".join(data["tags"])
    return form


@bp.route("/<int:org_id>/", methods=["GET"])
@portal_view
def organisation(event, organisation, profile):
    db.session.commit()  # the profile is created on the first visit
    return _render(event, organisation, profile)


@bp.route("/<int:org_id>/profile", methods=["POST"])
@portal_view
def save_profile(event, organisation, profile):
    form = ProfileForm()
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in services.TEXT_FIELDS}
        data["specialties"] = (form.specialties.data or "").splitlines()
        data["tags"] = (form.tags.data or "").splitlines()
        if perform(lambda: services.update_profile(profile, data, actor=current_user, submit=form.submit_for_review.data),
                   _saved, form=form):
            return _back(event, organisation)
    return _render(event, organisation, profile, profile_form=form)


def _submit(event, organisation, profile, name, form, action, success, **options):
    """One of the portal's forms: back to the portal when the service took it, else the portal
    again with this form's errors next to its fields."""
    if form.validate_on_submit() and perform(lambda: action(form), success, form=form, **options):
        return _back(event, organisation)
    return _render(event, organisation, profile, **{name: form})


@bp.route("/<int:org_id>/files", methods=["POST"])
@portal_view
def upload(event, organisation, profile):
    return _submit(event, organisation, profile, "upload_form", UploadForm(), lambda form: services.save_upload(
        event, organisation, form.kind.data, form.file.data.filename, form.file.data.read(), actor=current_user),
        _("The file has been uploaded."), field="file")


@bp.route("/<int:org_id>/booth", methods=["POST"])
@portal_view
def apply(event, organisation, profile):
    return _submit(event, organisation, profile, "booth_form", BoothApplicationForm(), lambda form: services.apply_for_booth(
        profile, preferences=(form.preferences.data or "").upper().split(), zone=form.zone.data, note=form.note.data,
        actor=current_user), _("Your booth application has been sent."))


@bp.route("/<int:org_id>/demands", methods=["POST"])
@portal_view
def submit_demand(event, organisation, profile):
    return _submit(event, organisation, profile, "demand_form", DemandForm(), lambda form: demands.submit(
        event, organisation, kind=form.kind.data, title=form.title.data, description=form.description.data,
        tags=(form.tags.data or "").split(), actor=current_user), _("Your demand has been sent for review."))


def _lead_saved(done):
    lead, created = done
    if created:
        return _("Lead saved: %(name)s", name=lead.registration.name)
    return _("%(name)s is already among your leads.", name=lead.registration.name)


@bp.route("/<int:org_id>/leads", methods=["POST"])
@portal_view
def capture(event, organisation, profile):
    return _submit(event, organisation, profile, "lead_form", LeadForm(), lambda form: services.capture_lead(
        profile, form.code.data, consent=form.consent.data, note=form.note.data, actor=current_user),
        _lead_saved, field="code")


@bp.route("/<int:org_id>/leads.csv")
@portal_view
def leads_csv(event, organisation, profile):
    header = [_("Name"), _("Organisation"), _("Position"), _("Mobile number"), _("E-mail"), _("Note"), _("Scanned at")]
    rows = ([lead.registration.name, lead.registration.organisation.name, lead.registration.position,
             lead.registration.mobile, lead.registration.email, lead.note,
             to_zone(lead.created_at, event.timezone).strftime("%Y-%m-%d %H:%M")] for lead in services.leads_of(profile))
    return download(csv_chunks(header, rows), f"{event.slug}-leads.csv")
