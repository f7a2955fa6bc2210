"""Public event pages and the organizer's event settings, questions, team, audit log and outbox."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import EventRole
from ..core import mail
from ..core.forms import ActionForm
from ..core.models import MailMessage
from ..core.timeutil import known_zone, local_to_utc, to_zone
from ..core.urls import safe_next
from ..core.views import event_view, of_event, perform, render_form
from . import services
from .forms import ROLE_LABELS, EventForm, QuestionForm, RoleForm
from .models import CATEGORIES, QUESTION_KINDS, Question

bp = Blueprint("events", __name__)


@bp.route("/")
def index():
    return render_template("events/index.html", events=services.public_events())


@bp.route("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("events.index"))


@bp.route("/e/<slug>")
@event_view(public=True)
def public(event):
    return render_template("events/public.html", event=event, state=event.registration_state())


# --- organizer --------------------------------------------------------------------------------

@bp.route("/manage/")
@login_required
def manage_index():
    return render_template("events/manage_index.html", events=services.events_for(current_user),
                           roles={r.event_id: r.role for r in current_user.event_roles}, role_labels=ROLE_LABELS)


def _form_to_data(form):
    tz = (form.timezone.data or "").strip()
    zone = tz if known_zone(tz) else "UTC"  # an unknown zone is the service's error to report

    def aware(value):
        return local_to_utc(value, zone) if value else None
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
        interest_tags=_lines(form.interest_tags.data), interest_tags_en={})


def _lines(value) -> list:
    # a POST without form data fills the form from the event, where the tags are a list
    return list(value) if isinstance(value, (list, tuple)) else (value or "").splitlines()


@bp.route("/manage/new", methods=["GET", "POST"])
@login_required
def create():
    if not services.may_create_events(current_user):
        abort(403)
    form = EventForm()
    if request.method == "GET":
        form.interest_tags.data = services.default_tag_lines()
    if form.validate_on_submit():
        done = perform(lambda: services.create_event(_form_to_data(form), actor=current_user),
                       _("The event has been created."), form=form)
        if done:
            return redirect(url_for("dashboard.event", slug=done.value.slug))
    return render_form("events/edit.html", form=form, event=None)


@bp.route("/manage/<slug>/edit", methods=["GET", "POST"])
@event_view("event.manage")
def edit(event):
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            getattr(form, name).data = to_zone(value, event.timezone).replace(tzinfo=None) if value else None
        for category in CATEGORIES:
            getattr(form, f"cap_{category}").data = event.category_capacity(category)
        form.interest_tags.data = services.labelled_lines(
            event.interest_tags or [], [(event.interest_tags_en or {}).get(t, "") for t in event.interest_tags or []])
    if form.validate_on_submit():
        done = perform(lambda: services.update_event(event, _form_to_data(form), actor=current_user),
                       lambda promoted: _("The event has been saved.") if not promoted else
                       _("The event has been saved; %(n)d people moved from the waitlist.", n=len(promoted)),
                       form=form)
        if done:
            return redirect(url_for("dashboard.event", slug=event.slug))
    return render_form("events/edit.html", form=form, event=event)


@bp.route("/manage/<slug>/questions", methods=["GET", "POST"])
@event_view("event.manage")
def questions(event):
    form = QuestionForm()
    if form.validate_on_submit() and perform(
            lambda: services.add_question(event, label_zh=form.label_zh.data, label_en=form.label_en.data,
                                          kind=form.kind.data, options=(form.options.data or "").splitlines(),
                                          required=form.required.data, actor=current_user),
            _("The question has been added."), form=form):
        return redirect(url_for("events.questions", slug=event.slug))
    return render_form("events/questions.html", event=event, form=form, action_form=ActionForm(),
                       question_kinds=QUESTION_KINDS)


@bp.route("/manage/<slug>/questions/<int:question_id>/delete", methods=["POST"])
@event_view("event.manage")
def delete_question(event, question_id):
    question = of_event(Question, question_id, event)
    perform(lambda: services.delete_question(question, actor=current_user),
            (_("The question has been removed; answers already given stay in the export."), "info"))
    return redirect(url_for("events.questions", slug=event.slug))


@bp.route("/manage/<slug>/team", methods=["GET", "POST"])
@event_view("event.manage")
def team(event):
    form = RoleForm()
    if form.validate_on_submit() and perform(
            lambda: services.grant_role(event, form.email.data, form.role.data, actor=current_user),
            _("The role has been given."), form=form, field="role"):
        return redirect(url_for("events.team", slug=event.slug))
    return render_form("events/team.html", event=event, form=form, grants=services.team_of(event),
                       role_labels=ROLE_LABELS, action_form=ActionForm())


@bp.route("/manage/<slug>/team/<int:grant_id>/revoke", methods=["POST"])
@event_view("event.manage")
def revoke(event, grant_id):
    grant = of_event(EventRole, grant_id, event)
    perform(lambda: services.revoke_role(grant, actor=current_user), (_("The role has been removed."), "info"))
    return redirect(url_for("events.team", slug=event.slug))


@bp.route("/manage/<slug>/outbox")
@event_view("event.manage")
def outbox(event):
    status = request.args.get("status") if request.args.get("status") in services.OUTBOX_FILTERS else ""
    return render_template("events/outbox.html", event=event, status=status, form=ActionForm(),
                           failed=services.failed_mail_count(event),
                           messages=services.outbox_of(event, page=request.args.get("page", 1, type=int),
                                                       status=status))


@bp.route("/manage/<slug>/outbox/<int:message_id>/resend", methods=["POST"])
@event_view("event.manage")
def resend_mail(event, message_id):
    message = of_event(MailMessage, message_id, event)
    perform(lambda: mail.resend(message, actor=current_user), _("The mail is queued again."))
    return redirect(url_for("events.outbox", slug=event.slug, status=request.args.get("status") or None))
