"""Organizer pages of the ledger: record, reverse, correct, confirm, sessions, reports; and the
public big screen."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.timeutil import local_to_utc, to_zone
from ..core.views import can, download, event_view, of_event, perform, render_form
from ..jobs import services as jobs
from ..registration.queries import event_organisations
from . import jobs as ledger_jobs
from . import reports, services
from .forms import PARTY_FIELDS, ConfirmForm, ContractForm, ReverseForm, SessionForm
from .models import KIND_RECORD, LedgerEntry, SigningSession

bp = Blueprint("ledger", __name__)


def _contract_form(event, obj=None):
    form = ContractForm()
    form.session_id.choices = [(0, "—")] + list(services.session_names(event).items())
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
@event_view("ledger.view")
def index(event):
    entries, states, seq_by_id = services.entries_page(event, page=request.args.get("page", 1, type=int))
    return render_template("ledger/index.html", event=event, summary=services.summary(event), entries=entries,
                           states=states, seq_by_id=seq_by_id, sessions=services.session_names(event),
                           can_record=can("ledger.record", event), can_export=can("ledger.export", event))


def _recorded(entry_and_created):
    entry, created = entry_and_created
    if created:
        return _("Contract %(seq)d recorded.", seq=entry.seq)
    return _("This submission was already recorded as entry %(seq)d; nothing was added.", seq=entry.seq), "info"


@bp.route("/manage/<slug>/signings/new", methods=["GET", "POST"])
@event_view("ledger.record")
def record(event):
    form = _contract_form(event)
    if form.validate_on_submit():
        done = perform(lambda: services.record(event, _data(form, event), actor=current_user,
                                               key=form.idempotency_key.data), _recorded, form=form)
        if done:
            return redirect(url_for("ledger.entry", slug=event.slug, entry_id=done.value[0].id))
    return render_form("ledger/record.html", event=event, form=form, correcting=None,
                       organisations=event_organisations(event))


@bp.route("/manage/<slug>/signings/<int:entry_id>")
@event_view("ledger.view")
def entry(event, entry_id):
    item = of_event(LedgerEntry, entry_id, event)
    related = services.related_entries(item)
    return render_template("ledger/entry.html", event=event, entry=item, related=related,
                           state=services.state_of([item, *related]).get(item.id),
                           sessions=services.session_names(event), reverse_form=ReverseForm(),
                           confirm_form=ConfirmForm(), can_record=can("ledger.record", event))


def _follow_up(event, entry_id, form, action, message):
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
    else:
        perform(action, lambda done: message if done[1] else (_("Already done; nothing was added."), "info"))
    return redirect(url_for("ledger.entry", slug=event.slug, entry_id=entry_id))


@bp.route("/manage/<slug>/signings/<int:entry_id>/reverse", methods=["POST"])
@event_view("ledger.record")
def reverse(event, entry_id):
    form = ReverseForm()
    return _follow_up(event, entry_id, form, lambda: services.reverse(
        event, entry_id, actor=current_user, key=form.idempotency_key.data, reason=form.reason.data),
        _("Entry reversed."))


@bp.route("/manage/<slug>/signings/<int:entry_id>/confirm", methods=["POST"])
@event_view("ledger.record")
def confirm(event, entry_id):
    form = ConfirmForm()
    return _follow_up(event, entry_id, form, lambda: services.confirm(
        event, entry_id, actor=current_user, key=form.idempotency_key.data),
        _("Entry confirmed: it now counts in the total."))


@bp.route("/manage/<slug>/signings/<int:entry_id>/correct", methods=["GET", "POST"])
@event_view("ledger.record")
def correct(event, entry_id):
    original = of_event(LedgerEntry, entry_id, event)
    if original.kind != KIND_RECORD:
        abort(404)
    form = _contract_form(event, obj=original)
    if form.validate_on_submit():
        done = perform(lambda: services.correct(event, entry_id, _data(form, event), actor=current_user,
                                                key=form.idempotency_key.data, reason=form.reason.data),
                       lambda done: _("Entry %(old)d reversed and replaced by entry %(new)d.", old=original.seq,
                                      new=done[0].seq), form=form)
        if done:
            return redirect(url_for("ledger.entry", slug=event.slug, entry_id=done.value[0].id))
    return render_form("ledger/record.html", event=event, form=form, correcting=original,
                       organisations=event_organisations(event))


@bp.route("/manage/<slug>/signings/sessions/<int:session_id>/close", methods=["POST"])
@event_view("ledger.manage")
def close_session(event, session_id):
    session = of_event(SigningSession, session_id, event)
    perform(lambda: services.close_session(event, session, actor=current_user),
            lambda point: _("The session is closed; the ledger's end (entry %(seq)d) is written down.", seq=point.seq))
    return redirect(url_for("ledger.sessions", slug=event.slug))


@bp.route("/manage/<slug>/signings/sessions", methods=["GET", "POST"])
@event_view("ledger.manage")
def sessions(event):
    form = SessionForm()
    if form.validate_on_submit() and perform(
            lambda: services.add_session(
                event, name_zh=form.name_zh.data, name_en=form.name_en.data, room=form.room.data,
                starts_at=local_to_utc(form.starts_at.data, event.timezone) if form.starts_at.data else None,
                actor=current_user),
            _("The signing session has been added."), form=form):
        return redirect(url_for("ledger.sessions", slug=event.slug))
    return render_form("ledger/sessions.html", event=event, form=form, sessions=services.sessions_of(event),
                       checkpoints=services.checkpoints_of(event), action_form=ActionForm())


def _export_data(event):
    entries = list(services.all_entries(event))
    return entries, services.session_names(event), services.state_of(entries)


@bp.route("/manage/<slug>/signings/ledger.csv")
@event_view("ledger.export")
def export_csv(event):
    entries, sessions_, states = _export_data(event)
    return download(reports.csv_export(entries, sessions_, states, event.timezone), f"{event.slug}-ledger.csv")


@bp.route("/manage/<slug>/signings/ledger.xlsx")
@event_view("ledger.export")
def export_xlsx(event):
    return download(reports.xlsx_export(*_export_data(event), event.timezone), f"{event.slug}-ledger.xlsx")


@bp.route("/manage/<slug>/signings/press", methods=["POST"])
@event_view("ledger.export")
def press_pdf(event):
    """The press summary is made by a job; its page offers the PDF."""
    done = perform(lambda: jobs.start(event, ledger_jobs.PRESS.name, {}, actor=current_user))
    if not done:
        return redirect(url_for("ledger.index", slug=event.slug))
    return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))


@bp.route("/e/<slug>/signings/live")
@event_view(public=True)
def live(event):
    """The big screen: no sign-in, only counted contracts; updates itself every second."""
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else "zh"  # a Chinese hall
    with force_locale(lang):
        return render_template("ledger/live.html", event=event, summary=services.summary(event),
                               sessions=services.session_names(event), lang=lang)
