"""Public event pages and the organizer's event settings, team, audit log and mail outbox."""
from zoneinfo import available_timezones

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.models import EventRole
from ..core.errors import DomainError, InvalidInput
from ..core.forms import attach_errors
from ..core.models import AuditEntry, MailMessage
from ..core.permissions import can, require
from ..core.timeutil import local_to_utc, to_zone
from ..extensions import db
from ..registration import queries
from ..registration.services import places_taken
from . import services
from .forms import ROLE_LABELS, ActionForm, EventForm, QuestionForm, RoleForm
from .models import CATEGORIES, Question

bp = Blueprint("events", __name__)


def get_event_or_404(slug):
    event = services.by_slug(slug)
    if event is None:
        abort(404)
    return event


@bp.route("/")
def index():
    return render_template("events/index.html", events=services.public_events())


@bp.route("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("events.index")
    return redirect(target)


@bp.route("/e/<slug>")
def public(slug):
    event = get_event_or_404(slug)
    if not event.published and not can(current_user, "event.manage", event):
        abort(404)
    return render_template("events/public.html", event=event, state=event.registration_state())


# --- organizer --------------------------------------------------------------------------------

@bp.route("/manage/")
@login_required
def manage_index():
    return render_template("events/manage_index.html", events=services.events_for(current_user),
                           roles={r.event_id: r.role for r in current_user.event_roles}, role_labels=ROLE_LABELS)


def _form_to_data(form, tz):
    def aware(value):
        return local_to_utc(value, tz) if value else None
    return services.EventData(
        slug=(form.slug.data or "").strip().lower(), name_zh=(form.name_zh.data or "").strip(),
        name_en=(form.name_en.data or "").strip(), venue_zh=(form.venue_zh.data or "").strip(),
        venue_en=(form.venue_en.data or "").strip(), description_zh=form.description_zh.data or "",
        description_en=form.description_en.data or "", timezone=tz,
        starts_at=aware(form.starts_at.data), ends_at=aware(form.ends_at.data),
        registration_opens_at=aware(form.registration_opens_at.data),
        registration_closes_at=aware(form.registration_closes_at.data),
        capacity=form.capacity.data,
        category_capacities={c: getattr(form, f"cap_{c}").data for c in CATEGORIES},
        requires_approval=form.requires_approval.data, auto_promote=form.auto_promote.data,
        published=form.published.data, signing_requires_confirmation=form.signing_requires_confirmation.data,
        interest_tags=(form.interest_tags.data or "").splitlines())


def _valid_timezone(form):
    tz = (form.timezone.data or "").strip()
    if tz not in available_timezones():
        form.timezone.errors = list(form.timezone.errors) + [_("Unknown time zone.")]
        return None
    return tz


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.is_admin and not any(r.role == "organizer" for r in current_user.event_roles):
        abort(403)
    form = EventForm()
    if request.method == "GET":
        form.interest_tags.data = "\n".join(services.default_tags())
    if form.validate_on_submit() and (tz := _valid_timezone(form)):
        try:
            event = services.create_event(_form_to_data(form, tz), actor=current_user)
            db.session.commit()
            flash(_("The event has been created."), "success")
            return redirect(url_for("events.dashboard", slug=event.slug))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return render_template("events/edit.html", form=form, event=None), 400 if form.errors else 200


@bp.route("/manage/<slug>/")
@login_required
def dashboard(slug):
    event = get_event_or_404(slug)
    if not can(current_user, "registrations.view", event):
        if can(current_user, "ledger.view", event):
            return redirect(url_for("ledger.index", slug=slug))
        if can(current_user, "checkin.scan", event):
            return redirect(url_for("checkin.scanner", slug=slug))
        abort(403)
    taken, held = places_taken(event)
    return render_template("events/dashboard.html", event=event, stats=queries.statistics(event),
                           taken=taken, held=held, waiting=queries.waitlisted_by_category(event))


@bp.route("/manage/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            getattr(form, name).data = to_zone(value, event.timezone).replace(tzinfo=None) if value else None
        for category in CATEGORIES:
            getattr(form, f"cap_{category}").data = event.category_capacity(category)
        form.interest_tags.data = "\n".join(event.interest_tags or [])
    if form.validate_on_submit() and (tz := _valid_timezone(form)):
        try:
            promoted = services.update_event(event, _form_to_data(form, tz), actor=current_user)
            db.session.commit()
            flash(_("The event has been saved."), "success")
            if promoted:
                flash(_("%(n)d people moved from the waitlist.", n=len(promoted)), "info")
            return redirect(url_for("events.dashboard", slug=event.slug))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return render_template("events/edit.html", form=form, event=event), 400 if form.errors else 200


@bp.route("/manage/<slug>/questions", methods=["GET", "POST"])
@login_required
def questions(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(event, label_zh=form.label_zh.data, label_en=form.label_en.data,
                                  kind=form.kind.data, options=(form.options.data or "").splitlines(),
                                  required=form.required.data, actor=current_user)
            db.session.commit()
            flash(_("The question has been added."), "success")
            return redirect(url_for("events.questions", slug=slug))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return render_template("events/questions.html", event=event, form=form, action_form=ActionForm()), \
        400 if form.errors else 200


@bp.route("/manage/<slug>/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def delete_question(slug, question_id):
    event = get_event_or_404(slug)
    require("event.manage", event)
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.delete_question(question, actor=current_user)
        db.session.commit()
        flash(_("The question has been removed; answers already given stay in the export."), "info")
    return redirect(url_for("events.questions", slug=slug))


@bp.route("/manage/<slug>/team", methods=["GET", "POST"])
@login_required
def team(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.grant_role(event, form.email.data, form.role.data, actor=current_user)
            db.session.commit()
            flash(_("The role has been given."), "success")
            return redirect(url_for("events.team", slug=slug))
        except DomainError as exc:
            db.session.rollback()
            attach_errors(form, {exc.field or "role": exc.message})
    grants = db.session.scalars(select(EventRole).where(EventRole.event_id == event.id)
                                .order_by(EventRole.role, EventRole.id)).all()
    return render_template("events/team.html", event=event, form=form, grants=grants,
                           role_labels=ROLE_LABELS, action_form=ActionForm()), 400 if form.errors else 200


@bp.route("/manage/<slug>/team/<int:grant_id>/revoke", methods=["POST"])
@login_required
def revoke(slug, grant_id):
    event = get_event_or_404(slug)
    require("event.manage", event)
    grant = db.session.get(EventRole, grant_id)
    if grant is None or grant.event_id != event.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.revoke_role(grant, actor=current_user)
            db.session.commit()
            flash(_("The role has been removed."), "info")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("events.team", slug=slug))


@bp.route("/manage/<slug>/audit")
@login_required
def audit_log(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    page = request.args.get("page", 1, type=int) or 1
    entries = db.paginate(select(AuditEntry).where(AuditEntry.event_id == event.id)
                          .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), page=max(page, 1),
                          per_page=100, error_out=False)
    return render_template("events/audit.html", event=event, entries=entries)


@bp.route("/manage/<slug>/outbox")
@login_required
def outbox(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    page = request.args.get("page", 1, type=int) or 1
    messages = db.paginate(select(MailMessage).where(MailMessage.event_id == event.id)
                           .order_by(MailMessage.id.desc()), page=max(page, 1), per_page=50, error_out=False)
    return render_template("events/outbox.html", event=event, messages=messages)
