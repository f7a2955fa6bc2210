"""The organizer's back office for registrations: list, details, actions, export, import,
and the door staff's look-up."""
from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from sqlalchemy import select

from ..checkin.models import CheckIn
from ..core import audit
from ..core.errors import DomainError, InvalidInput
from ..core.forms import attach_errors
from ..core.permissions import can, require
from ..core.timeutil import now_utc, to_zone
from ..events.forms import ActionForm
from ..events.models import CATEGORIES
from ..events.views import get_event_or_404
from ..extensions import db
from . import csvio, queries, services
from .forms import FilterForm, ImportUploadForm, registration_form_class
from .models import STATUSES, ImportBatch, Registration
from .views import form_to_data, organisation_suggestions

bp = Blueprint("backoffice", __name__, url_prefix="/manage/<slug>")


def _filters_from_request():
    form = FilterForm(request.args)
    return form, queries.Filters(**form.cleaned())


def _registration_or_404(event, registration_id):
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@bp.route("/registrations")
@login_required
def index(slug):
    event = get_event_or_404(slug)
    require("registrations.view", event)
    form, filters = _filters_from_request()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    per_page = 50
    items, total = queries.page(event, filters, page, per_page)
    pages = max(1, (total + per_page - 1) // per_page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("registration/backoffice/index.html", event=event, form=form, items=items,
                           total=total, page=page, pages=pages, args=args,
                           can_export=can(current_user, "registrations.export", event))


@bp.route("/registrations/export.csv")
@login_required
def export(slug):
    event = get_event_or_404(slug)
    require("registrations.export", event)
    _form, filters = _filters_from_request()
    stamp = to_zone(now_utc(), event.timezone).strftime("%Y%m%d-%H%M")
    audit.record(current_user, "registration.export", event=event, details={"filters": filters.__dict__})
    db.session.commit()
    response = Response(stream_with_context(csvio.export_rows(event, filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-registrations-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/registrations/<int:registration_id>", methods=["GET", "POST"])
@login_required
def detail(slug, registration_id):
    event = get_event_or_404(slug)
    require("registrations.view", event)
    registration = _registration_or_404(event, registration_id)
    form_class = registration_form_class(event, organizer=True, editing=True)
    if request.method == "GET":
        data = services.data_from_registration(registration)
        form = form_class(data={**services.as_dict(data), **{f"q_{k}": v for k, v in data.answers.items()}})
    else:
        require("registrations.edit", event)
        form = form_class()
        if form.validate_on_submit():
            try:
                services.update_details(registration, form_to_data(form, event), actor=current_user)
                db.session.commit()
                flash(_("The details have been saved."), "success")
                return redirect(url_for("backoffice.detail", slug=slug, registration_id=registration.id))
            except InvalidInput as exc:
                db.session.rollback()
                attach_errors(form, exc.errors)
            except DomainError as exc:
                db.session.rollback()
                attach_errors(form, {exc.field or "name": exc.message})
    questions = {str(q.id): q for q in event.questions}
    check_ins = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)
                                   .order_by(CheckIn.at)).all()
    return render_template("registration/backoffice/detail.html", event=event, registration=registration,
                           check_ins=check_ins,
                           form=form, action_form=ActionForm(), questions=questions,
                           organisations=organisation_suggestions()), 400 if form.errors else 200


ACTIONS = {
    "approve": (services.approve, _l("The registration has been approved.")),
    "reject": (services.reject, _l("The registration has been rejected.")),
    "cancel": (services.cancel, _l("The registration has been cancelled.")),
    "promote": (services.move_from_waitlist, _l("The person has been moved from the waitlist.")),
}


@bp.route("/registrations/<int:registration_id>/<action>", methods=["POST"])
@login_required
def act(slug, registration_id, action):
    event = get_event_or_404(slug)
    require("registrations.edit", event)
    registration = _registration_or_404(event, registration_id)
    if action not in ACTIONS:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    function, message = ACTIONS[action]
    try:
        result = function(registration, actor=current_user)
        db.session.commit()
        flash(str(message), "success")
        if isinstance(result, list) and result:
            flash(_("%(n)d people moved from the waitlist.", n=len(result)), "info")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/manage/")
                    else url_for("backoffice.detail", slug=slug, registration_id=registration.id))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload(slug):
    event = get_event_or_404(slug)
    require("registrations.import", event)
    form = ImportUploadForm()
    if form.validate_on_submit():
        try:
            batch = csvio.upload(event, form.file.data.filename, form.file.data.read(), actor=current_user)
            db.session.commit()
            return redirect(url_for("backoffice.import_preview", slug=slug, batch_id=batch.id))
        except DomainError as exc:
            db.session.rollback()
            form.file.errors = list(form.file.errors) + [exc.message]
    return render_template("registration/backoffice/import.html", event=event, form=form), \
        400 if form.errors else 200


def _mapping_from_request(header):
    mapping = {}
    for target in csvio.TARGETS:
        value = request.form.get(f"map_{target}", "")
        if value.isdigit() and int(value) < len(header):
            mapping[target] = int(value)
    return mapping


@bp.route("/import/<int:batch_id>", methods=["GET", "POST"])
@login_required
def import_preview(slug, batch_id):
    event = get_event_or_404(slug)
    require("registrations.import", event)
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.event_id != event.id:
        abort(404)
    if batch.status == "imported":
        return render_template("registration/backoffice/import_done.html", event=event, batch=batch)
    header = csvio.header_of(batch)
    form = ActionForm()
    mapping = {k: int(v) for k, v in (batch.mapping or {}).items()}
    analysis, error = None, None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        mapping = _mapping_from_request(header)
        if request.form.get("confirm") == "1":
            try:
                csvio.run(event, batch, mapping, actor=current_user)
                db.session.commit()
                flash(_("The import is done."), "success")
                return redirect(url_for("backoffice.import_preview", slug=slug, batch_id=batch.id))
            except DomainError as exc:
                db.session.rollback()
                error = exc.message
        else:
            batch.mapping = mapping
            db.session.commit()
    try:
        analysis = csvio.analyse(event, batch, mapping)
    except DomainError as exc:
        error = error or exc.message
    return render_template("registration/backoffice/import_preview.html", event=event, batch=batch,
                           header=header, mapping=mapping, targets=csvio.TARGETS, analysis=analysis,
                           error=error, form=form), 400 if error else 200


@bp.route("/lookup")
@login_required
def lookup(slug):
    """Door staff: find one person by name or mobile. Shows only the people who match."""
    event = get_event_or_404(slug)
    require("registrations.lookup", event)
    q = (request.args.get("q") or "").strip()[:50]
    items = []
    if len(q) >= 2:
        items, _total = queries.page(event, queries.Filters(q=q, sort="name"), 1, 20)
    return render_template("registration/backoffice/lookup.html", event=event, q=q, items=items,
                           categories=CATEGORIES, statuses=STATUSES)
