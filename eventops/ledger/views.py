"""Organizer pages of the ledger: record, reverse, correct, confirm, sessions, reports; and the
public big screen."""
from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import DomainError, InvalidInput
from ..core.forms import attach_errors
from ..core.permissions import can, require
from ..core.timeutil import local_to_utc, now_utc, to_zone
from ..events.views import get_event_or_404
from ..extensions import db
from ..registration.queries import event_organisations
from . import reports, services
from .forms import PARTY_FIELDS, ConfirmForm, ContractForm, ReverseForm, SessionForm
from .models import KIND_RECORD, LedgerEntry

bp = Blueprint("ledger", __name__)


def _event(slug, permission):
    event = get_event_or_404(slug)
    require(permission, event)
    return event


def _session_names(event):
    return {s.id: s.name_zh for s in services.sessions_of(event)}


def _contract_form(event, obj=None):
    form = ContractForm()
    form.session_id.choices = [(0, "—")] + [(s.id, s.name_zh) for s in services.sessions_of(event)]
    if obj is not None and request.method == "GET":
        form.title.data, form.category.data, form.session_id.data = obj.title, obj.category, obj.session_id
        form.amount.data = "" if obj.amount_fen is None else f"{obj.amount_fen // 100}.{obj.amount_fen % 100:02d}"
        form.undisclosed.data = obj.amount_fen is None
        form.signed_at.data = to_zone(obj.signed_at, event.timezone).replace(tzinfo=None) if obj.signed_at else None
        for index, party in enumerate(obj.parties[:PARTY_FIELDS], 1):
            getattr(form, f"party_{index}").data = party["name"]
        form.signatories.data = "\n".join(obj.signatories)
    return form


def _data(form, event):
    return services.ContractData(
        title=form.title.data, category=form.category.data, amount=form.amount.data,
        undisclosed=form.undisclosed.data, session_id=form.session_id.data or None,
        signed_at=local_to_utc(form.signed_at.data, event.timezone) if form.signed_at.data else None,
        parties=[getattr(form, f"party_{i}").data for i in range(1, PARTY_FIELDS + 1)],
        signatories=(form.signatories.data or "").splitlines(), note=form.note.data)


@bp.route("/manage/<slug>/signings/")
@login_required
def index(slug):
    event = _event(slug, "ledger.view")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    entries = services.entries_of(event, page=page)
    targets = [e.id for e in entries.items if e.kind == KIND_RECORD]
    follow = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.target_id.in_(targets))).all() if targets else []
    states = services.state_of(list(entries.items) + list(follow))
    seq_by_id = {e.id: e.seq for e in list(entries.items) + list(follow)}
    missing = {e.target_id for e in entries.items if e.target_id and e.target_id not in seq_by_id}
    if missing:
        seq_by_id.update({e.id: e.seq for e in db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.id.in_(missing)))})
    return render_template("ledger/index.html", event=event, summary=services.summary(event), entries=entries,
                           states=states, seq_by_id=seq_by_id, sessions=_session_names(event),
                           can_record=can(current_user, "ledger.record", event),
                           can_export=can(current_user, "ledger.export", event))


@bp.route("/manage/<slug>/signings/new", methods=["GET", "POST"])
@login_required
def record(slug):
    event = _event(slug, "ledger.record")
    form = _contract_form(event)
    if form.validate_on_submit():
        try:
            entry, created = services.record(event, _data(form, event), actor=current_user,
                                             key=form.idempotency_key.data)
            db.session.commit()
            if created:
                flash(_("Contract %(seq)d recorded.", seq=entry.seq), "success")
            else:
                flash(_("This submission was already recorded as entry %(seq)d; nothing was added.", seq=entry.seq), "info")
            return redirect(url_for("ledger.entry", slug=slug, entry_id=entry.id))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return render_template("ledger/record.html", event=event, form=form, correcting=None,
                           organisations=event_organisations(event)), 400 if form.errors else 200


@bp.route("/manage/<slug>/signings/<int:entry_id>")
@login_required
def entry(slug, entry_id):
    event = _event(slug, "ledger.view")
    item = db.session.get(LedgerEntry, entry_id)
    if item is None or item.event_id != event.id:
        abort(404)
    related = db.session.scalars(db.select(LedgerEntry).where(
        (LedgerEntry.target_id == item.id) | (LedgerEntry.id == item.target_id))).all()
    states = services.state_of([item, *related])
    return render_template("ledger/entry.html", event=event, entry=item, related=related, state=states.get(item.id),
                           sessions=_session_names(event), reverse_form=ReverseForm(), confirm_form=ConfirmForm(),
                           can_record=can(current_user, "ledger.record", event))


def _act(slug, entry_id, action):
    event = _event(slug, "ledger.record")
    form = ReverseForm() if action == "reverse" else ConfirmForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return redirect(url_for("ledger.entry", slug=slug, entry_id=entry_id))
    try:
        if action == "reverse":
            result, created = services.reverse(event, entry_id, actor=current_user, key=form.idempotency_key.data,
                                               reason=form.reason.data)
            message = _("Entry reversed.")
        else:
            result, created = services.confirm(event, entry_id, actor=current_user, key=form.idempotency_key.data)
            message = _("Entry confirmed: it now counts in the total.")
        db.session.commit()
        flash(message if created else _("Already done; nothing was added."), "success" if created else "info")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("ledger.entry", slug=slug, entry_id=entry_id))


@bp.route("/manage/<slug>/signings/<int:entry_id>/reverse", methods=["POST"])
@login_required
def reverse(slug, entry_id):
    return _act(slug, entry_id, "reverse")


@bp.route("/manage/<slug>/signings/<int:entry_id>/confirm", methods=["POST"])
@login_required
def confirm(slug, entry_id):
    return _act(slug, entry_id, "confirm")


@bp.route("/manage/<slug>/signings/<int:entry_id>/correct", methods=["GET", "POST"])
@login_required
def correct(slug, entry_id):
    event = _event(slug, "ledger.record")
    original = db.session.get(LedgerEntry, entry_id)
    if original is None or original.event_id != event.id or original.kind != KIND_RECORD:
        abort(404)
    form = _contract_form(event, obj=original)
    if form.validate_on_submit():
        try:
            entry, _created = services.correct(event, entry_id, _data(form, event), actor=current_user,
                                               key=form.idempotency_key.data, reason=form.reason.data)
            db.session.commit()
            flash(_("Entry %(old)d reversed and replaced by entry %(new)d.", old=original.seq, new=entry.seq), "success")
            return redirect(url_for("ledger.entry", slug=slug, entry_id=entry.id))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return render_template("ledger/record.html", event=event, form=form, correcting=original,
                           organisations=event_organisations(event)), 400 if form.errors else 200


@bp.route("/manage/<slug>/signings/sessions", methods=["GET", "POST"])
@login_required
def sessions(slug):
    event = _event(slug, "ledger.manage")
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.add_session(event, name_zh=form.name_zh.data, name_en=form.name_en.data, room=form.room.data,
                                 starts_at=local_to_utc(form.starts_at.data, event.timezone) if form.starts_at.data else None,
                                 actor=current_user)
            db.session.commit()
            flash(_("The signing session has been added."), "success")
            return redirect(url_for("ledger.sessions", slug=slug))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
    return render_template("ledger/sessions.html", event=event, form=form, sessions=services.sessions_of(event)), \
        400 if form.errors else 200


def _export_data(event):
    entries = list(services.all_entries(event))
    return entries, _session_names(event), services.state_of(entries)


@bp.route("/manage/<slug>/signings/ledger.csv")
@login_required
def export_csv(slug):
    event = _event(slug, "ledger.export")
    entries, sessions_, states = _export_data(event)
    response = Response(stream_with_context(reports.csv_export(entries, sessions_, states, event.timezone)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-ledger.csv"'
    return response


@bp.route("/manage/<slug>/signings/ledger.xlsx")
@login_required
def export_xlsx(slug):
    event = _event(slug, "ledger.export")
    body = reports.xlsx_export(*_export_data(event), event.timezone)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-ledger.xlsx"'
    return response


@bp.route("/manage/<slug>/signings/press.pdf")
@login_required
def press_pdf(slug):
    event = _event(slug, "ledger.export")
    body = reports.press_pdf(event, services.summary(event), _session_names(event),
                             services.by_organisation_type(event, "hospital"), now_utc())
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{event.slug}-signings.pdf"'
    return response


@bp.route("/e/<slug>/signings/live")
def live(slug):
    """The big screen: no sign-in, only counted contracts; updates itself every second."""
    event = get_event_or_404(slug)
    if not event.published:
        abort(404)
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else "zh"  # a Chinese hall
    with force_locale(lang):
        return render_template("ledger/live.html", event=event, summary=services.summary(event),
                               sessions=_session_names(event), lang=lang)
