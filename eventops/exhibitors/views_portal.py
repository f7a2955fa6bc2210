"""Exhibitor managers: their organisation's profile, files, booth application, demands, notices
and the leads they capture at the booth. Only an organisation's own managers get in."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import DomainError, InvalidInput
from ..core.forms import attach_errors
from ..core.spreadsheet import csv_chunks
from ..core.timeutil import to_zone
from ..events.views import get_event_or_404
from ..extensions import db
from ..organisations.models import Organisation
from . import demands, services
from .forms import BoothApplicationForm, DemandForm, LeadForm, ProfileForm, UploadForm

bp = Blueprint("portal", __name__, url_prefix="/exhibitor/<slug>")


def _context(slug, org_id):
    event = get_event_or_404(slug)
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        abort(404)
    if not (current_user.is_admin or services.manages(current_user, org_id)):
        abort(403)
    return event, organisation, services.profile_for(event, organisation)


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
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render_template("exhibitors/portal.html", event=event, organisation=organisation, profile=profile,
                           booth=services.booth_of_organisation(event, organisation.id),
                           brochures=services.brochures(event, organisation.id),
                           notices=demands.notices_for(event, [organisation.id]),
                           leads=services.leads_of(profile), **forms), status


def _profile_form(profile):
    form = ProfileForm(formdata=None, obj=profile)
    form.specialties.data = "\n".join(profile.specialties)
    form.tags.data = "\n".join(profile.tags)
    return form


@bp.route("/<int:org_id>/", methods=["GET"])
@login_required
def organisation(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    db.session.commit()
    return _render(event, organisation, profile)


@bp.route("/<int:org_id>/profile", methods=["POST"])
@login_required
def save_profile(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    form = ProfileForm()
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in services.TEXT_FIELDS}
        data["specialties"] = (form.specialties.data or "").splitlines()
        data["tags"] = (form.tags.data or "").splitlines()
        try:
            services.update_profile(profile, data, actor=current_user, submit=form.submit_for_review.data)
            db.session.commit()
            flash(_("Saved. Organizers review the profile before it is public.") if profile.status == "submitted"
                  else _("Saved as a draft."), "success")
            return redirect(url_for("portal.organisation", slug=slug, org_id=org_id))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return _render(event, organisation, profile, profile_form=form)


@bp.route("/<int:org_id>/files", methods=["POST"])
@login_required
def upload(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            services.save_upload(event, organisation, form.kind.data, form.file.data.filename, form.file.data.read(),
                                 actor=current_user)
            db.session.commit()
            flash(_("The file has been uploaded."), "success")
            return redirect(url_for("portal.organisation", slug=slug, org_id=org_id))
        except DomainError as exc:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [exc.message]
    return _render(event, organisation, profile, upload_form=form)


@bp.route("/<int:org_id>/booth", methods=["POST"])
@login_required
def apply(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    form = BoothApplicationForm()
    if form.validate_on_submit():
        services.apply_for_booth(profile, preferences=(form.preferences.data or "").upper().split(),
                                 zone=form.zone.data, note=form.note.data, actor=current_user)
        db.session.commit()
        flash(_("Your booth application has been sent."), "success")
        return redirect(url_for("portal.organisation", slug=slug, org_id=org_id))
    return _render(event, organisation, profile, booth_form=form)


@bp.route("/<int:org_id>/demands", methods=["POST"])
@login_required
def submit_demand(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    form = DemandForm()
    if form.validate_on_submit():
        try:
            demands.submit(event, organisation, kind=form.kind.data, title=form.title.data,
                           description=form.description.data, tags=(form.tags.data or "").split(), actor=current_user)
            db.session.commit()
            flash(_("Your demand has been sent for review."), "success")
            return redirect(url_for("portal.organisation", slug=slug, org_id=org_id))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return _render(event, organisation, profile, demand_form=form)


@bp.route("/<int:org_id>/leads", methods=["POST"])
@login_required
def capture(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    form = LeadForm()
    if form.validate_on_submit():
        try:
            lead, created = services.capture_lead(profile, form.code.data, consent=form.consent.data,
                                                  note=form.note.data, actor=current_user)
            db.session.commit()
            flash(_("Lead saved: %(name)s", name=lead.registration.name) if created
                  else _("%(name)s is already among your leads.", name=lead.registration.name), "success")
            return redirect(url_for("portal.organisation", slug=slug, org_id=org_id))
        except DomainError as exc:
            db.session.rollback()
            attach_errors(form, {exc.field or "code": exc.message})
    return _render(event, organisation, profile, lead_form=form)


@bp.route("/<int:org_id>/leads.csv")
@login_required
def leads_csv(slug, org_id):
    event, organisation, profile = _context(slug, org_id)
    header = [_("Name"), _("Organisation"), _("Position"), _("Mobile number"), _("E-mail"), _("Note"), _("Scanned at")]
    rows = ([lead.registration.name, lead.registration.organisation.name, lead.registration.position,
             lead.registration.mobile, lead.registration.email, lead.note,
             to_zone(lead.created_at, event.timezone).strftime("%Y-%m-%d %H:%M")] for lead in services.leads_of(profile))
    response = Response(stream_with_context(csv_chunks(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-leads.csv"'
    return response
