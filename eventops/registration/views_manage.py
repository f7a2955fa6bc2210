"""The organizer's back office for registrations: list, actions, export, import, and the door
staff's look-up. (One registration's own page, with its badge and check-ins, is in dashboard.)"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core import audit
from ..core.forms import ActionForm
from ..core.timeutil import now_utc, to_zone
from ..core.urls import safe_next
from ..core.views import can, download, event_view, of_event, perform, render_form
from ..events.models import CATEGORIES
from ..extensions import db
from ..jobs import services as jobs
from . import csvio, personal_links, queries, services
from . import jobs as registration_jobs
from .forms import FilterForm, ImportUploadForm, MessageForm
from .models import STATUSES, ImportBatch, Registration

bp = Blueprint("backoffice", __name__, url_prefix="/manage/<slug>")


def _filters_from_request():
    form = FilterForm(request.args)
    return form, queries.Filters(**form.cleaned())


@bp.route("/registrations")
@event_view("registrations.view")
def index(event):
    form, filters = _filters_from_request()
    page = queries.keyset_page(event, filters, after=request.args.get("after"), before=request.args.get("before"),
                               last=request.args.get("last") == "1", per_page=current_app.config.get("PAGE_SIZE", 50))
    return render_template("registration/backoffice/index.html", event=event, form=form, page=page,
                           items=page.items, args={k: v for k, v in request.args.items()
                                                   if k not in ("after", "before", "last", "page")},
                           can_export=can("registrations.export", event), cap=queries.COUNT_CAP)


@bp.route("/registrations/export.csv")
@event_view("registrations.export")
def export(event):
    _form, filters = _filters_from_request()
    stamp = to_zone(now_utc(), event.timezone).strftime("%Y%m%d-%H%M")
    audit.record(current_user, "registration.export", event=event, details={"filters": filters.__dict__})
    db.session.commit()
    return download(csvio.export_rows(event, filters), f"{event.slug}-registrations-{stamp}.csv")


ACTIONS = {
    "approve": (services.approve, _l("The registration has been approved.")),
    "reject": (services.reject, _l("The registration has been rejected.")),
    "cancel": (services.cancel, _l("The registration has been cancelled.")),
    "promote": (services.move_from_waitlist, _l("The person has been moved from the waitlist.")),
}


def _acted(message):
    def success(promoted):
        if isinstance(promoted, list) and promoted:
            return _("%(done)s %(n)d people moved from the waitlist.", done=message, n=len(promoted))
        return message
    return success


@bp.route("/registrations/<int:registration_id>/<action>", methods=["POST"])
@event_view("registrations.edit")
def act(event, registration_id, action):
    registration = of_event(Registration, registration_id, event)
    if action not in ACTIONS:
        abort(404)
    function, message = ACTIONS[action]
    perform(lambda: function(registration, actor=current_user), _acted(message))
    back = safe_next(request.form.get("back"))
    return redirect(back if back and back.startswith("/manage/") else
                    url_for("dashboard.registration", slug=event.slug, registration_id=registration.id))


@bp.route("/import", methods=["GET", "POST"])
@event_view("registrations.import")
def import_upload(event):
    form = ImportUploadForm()
    if form.validate_on_submit():
        done = perform(lambda: csvio.upload(event, form.file.data.filename, form.file.data.read(), actor=current_user),
                       form=form, field="file")
        if done:
            return redirect(url_for("backoffice.import_preview", slug=event.slug, batch_id=done.value.id))
    return render_form("registration/backoffice/import.html", event=event, form=form)


def _mapping_from_request(event, header):
    mapping = {}
    for target, _label in csvio.targets(event):
        value = request.form.get(f"map_{target}", "")
        if value.isdigit() and int(value) < len(header):
            mapping[target] = int(value)
    return mapping


@bp.route("/import/<int:batch_id>", methods=["GET", "POST"])
@event_view("registrations.import")
def import_preview(event, batch_id):
    batch = of_event(ImportBatch, batch_id, event)
    if batch.status == "imported":
        return render_template("registration/backoffice/import_done.html", event=event, batch=batch)
    header = csvio.header_of(batch)
    mapping = {k: int(v) for k, v in (batch.mapping or {}).items()}
    mail_links = request.form.get("send_links") == "1"
    if request.method == "POST":
        mapping = _mapping_from_request(event, header)
        if request.form.get("confirm") == "1":
            # the import is a job (one per batch while it runs); the preview below stays immediate
            params = {"batch_id": batch.id, "mapping": mapping, "send_links": mail_links}
            done = perform(lambda: jobs.start(event, registration_jobs.IMPORT.name, params, actor=current_user,
                                              dedupe_key=f"import:{batch.id}"))
            if done:
                return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))
        else:
            perform(lambda: csvio.remember_mapping(batch, mapping))
    analysis, error = csvio.preview(event, batch, mapping)
    return render_template("registration/backoffice/import_preview.html", event=event, batch=batch,
                           header=header, mapping=mapping, targets=csvio.targets(event), analysis=analysis,
                           error=error, form=ActionForm(), send_links=mail_links,
                           fixed=set(csvio.TARGETS)), 400 if error else 200


@bp.route("/registrations/links", methods=["POST"])
@event_view("registrations.message")
def send_links(event):
    """Personal links by mail to the rows ticked in the list (``scope=selected``) or to everyone
    its filters (the query string) match (``scope=filtered``): a page to confirm first, then in
    the request for a few people, as a job for more."""
    _form, filters = _filters_from_request()
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "last", "page")}
    back = url_for("backoffice.index", slug=event.slug, **args)
    scope = request.form.get("scope")
    ids = []
    if scope == "selected":
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()][:personal_links.MAX_SELECTED]
        if not ids:
            flash(_("Tick the people to send their personal links to, then press the button again."), "error")
            return redirect(back)
        selection = {"ids": ids}
    elif scope == "filtered":
        selection = {"filters": dict(filters.__dict__)}
    else:
        flash(_("Choose whom to send the personal links to."), "error")
        return redirect(back)
    count = personal_links.count(event, **selection)
    if request.form.get("confirm") != "1":
        return render_template("registration/backoffice/send_links.html", event=event, count=count, scope=scope,
                               ids=ids, args=args, back=back, form=ActionForm(), inline=personal_links.INLINE_MAX,
                               send_key=personal_links.new_send_key())
    if count == 0:
        flash(_("Nobody to send a link to: the people chosen are cancelled or not accepted."), "error")
        return redirect(back)
    key = personal_links.send_key(request.form.get("send_key"))
    if count <= personal_links.INLINE_MAX:
        perform(lambda: personal_links.send_now(event, selection, actor=current_user, key=key),
                lambda sent: _("%(n)d personal links are in the outbox; workers deliver them.", n=sent) if sent else
                (_("These personal links were sent already from this page: nothing was sent again."), "info"))
        return redirect(back)
    done = perform(lambda: jobs.start(event, registration_jobs.SEND_LINKS.name, {**selection, **({"key": key} if key else {})},
                                      actor=current_user, total=count, dedupe_key=key))
    if done:
        return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))
    return redirect(back)


@bp.route("/registrations/message", methods=["GET", "POST"])
@event_view("registrations.message")
def message(event):
    """A message to all or some registrants, through the outbox (a job writes the mails)."""
    form = MessageForm()
    categories, statuses = form.categories.data or [], form.statuses.data or []
    count = registration_jobs.count_recipients(event, categories, statuses)
    if request.method == "POST" and request.form.get("send") == "1" and form.validate():
        if count == 0:
            form.statuses.errors = [_("Nobody matches: tick other categories or statuses.")]
        else:
            params = {"categories": categories, "statuses": statuses, "subject": form.subject.data.strip(),
                      "body": form.body.data.strip()}
            done = perform(lambda: jobs.start(event, registration_jobs.MESSAGE.name, params, actor=current_user,
                                              total=count))
            if done:
                return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))
    return render_form("registration/backoffice/message.html", event=event, form=form, count=count)


@bp.route("/lookup")
@event_view("registrations.lookup")
def lookup(event):
    """Door staff: find one person by name or mobile. Shows only the people who match."""
    q = (request.args.get("q") or "").strip()[:50]
    items = []
    if len(q) >= 2:
        items, _total = queries.page(event, queries.Filters(q=q, sort="name"), 1, 20)
    return render_template("registration/backoffice/lookup.html", event=event, q=q, items=items,
                           categories=CATEGORIES, statuses=STATUSES)
