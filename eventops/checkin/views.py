"""The door-staff scanner page (with its manifest and service worker) and the organizer's check-in
page (live numbers, window, gates, devices)."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.spreadsheet import csv_chunks
from ..core.timeutil import local_to_utc, to_zone
from ..core.views import download, event_view, of_event, perform, render_form
from ..organisations.models import Organisation
from ..registration.models import Registration
from . import services, stats
from .forms import WindowForm
from .models import CheckIn, Device
from .statuses import STATUSES

bp = Blueprint("checkin", __name__, url_prefix="/manage/<slug>")

#: what the scanner's service worker keeps for a reload without network (static files)
SCANNER_ASSETS = ("css/app.css", "js/app.js", "js/scanner-store.js", "js/scanner.js", "vendor/jsqr/jsQR.js",
                  "img/scanner-192.png", "img/scanner-512.png")
#: seconds between two polls of the live numbers page
LIVE_EVERY = 5


@bp.route("/scan")
@event_view("checkin.scan")
def scanner(event):
    return render_template("checkin/scanner.html", event=event, gates=services.gates_of(event),
                           messages={code: str(status.message) for code, status in STATUSES.items()})


@lru_cache(maxsize=8)
def _assets_version(static_folder: str, mtimes: tuple) -> str:
    return hashlib.sha256(repr(mtimes).encode()).hexdigest()[:12]


def assets_version() -> str:
    """Changes when any file the service worker caches changes (so that it fetches them again)."""
    folder = Path(current_app.static_folder)
    mtimes = tuple((name, (folder / name).stat().st_mtime_ns if (folder / name).exists() else 0)
                   for name in SCANNER_ASSETS)
    templates = Path(current_app.root_path).parent / "templates" / "checkin"
    mtimes += tuple((p.name, p.stat().st_mtime_ns) for p in sorted(templates.glob("scanner*")))
    return _assets_version(str(folder), mtimes)


@bp.route("/scan-sw.js")
@event_view("checkin.scan")
def service_worker(event):
    """The scanner's service worker, at the event's address so that its scope can be the scanner."""
    body = render_template("checkin/scanner-sw.js", event=event, version=assets_version(),
                           page=url_for("checkin.scanner", slug=event.slug),
                           assets=[url_for("static", filename=name) for name in SCANNER_ASSETS])
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/scan/manifest.webmanifest")
@event_view("checkin.scan")
def manifest(event):
    page = url_for("checkin.scanner", slug=event.slug)
    response = current_app.json.response({
        "name": f"{_('Scanner')} · {event.name}", "short_name": _("Scanner"), "start_url": page, "scope": page,
        "id": page, "display": "standalone", "orientation": "portrait", "background_color": "#ffffff",
        "theme_color": "#079455", "lang": "zh-CN",
        "icons": [{"src": url_for("static", filename=f"img/scanner-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)]})
    response.mimetype = "application/manifest+json"
    return response


def _live_context(event):
    arrivals = stats.arrivals(event)
    opens, closes = services.window(event)
    return dict(event=event, arrivals=arrivals, gates=services.gates_of(event), per_gate=stats.by_gate(event),
                expected=stats.expected(event), arrived=stats.arrived(event),
                by_category=stats.by_column(event, Registration.category),
                by_org_type=stats.by_column(event, Organisation.org_type), window=(opens, closes))


def _window_form(event):
    opens, closes = event.checkin_opens_at, event.checkin_closes_at
    local = lambda v: to_zone(v, event.timezone).replace(tzinfo=None) if v else None  # noqa: E731
    return WindowForm(data={"checkin_opens_at": local(opens), "checkin_closes_at": local(closes)})


def _overview(event, *, new_token=None, window_form=None):
    no_shows = list(stats.no_shows(event))[:200] if request.args.get("no_shows") else None
    return render_form("checkin/overview.html", devices=services.devices_of(event), new_token=new_token,
                       no_shows=no_shows, action_form=ActionForm(), live_every=LIVE_EVERY, live_etag=_live_etag(event),
                       window_form=window_form or _window_form(event), default_window=services.default_window(event),
                       **_live_context(event))


@bp.route("/checkin")
@event_view("checkin.manage")
def overview(event):
    return _overview(event)


def _live_etag(event) -> str:
    return f'"{stats.fingerprint(event)}-{get_locale() or "zh"}"'


@bp.route("/checkin/live")
@event_view("checkin.manage")
def live(event):
    """The live numbers as a fragment of the check-in page; 304 while nothing changed (ETag)."""
    etag = _live_etag(event)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
    else:
        response = Response(render_template("checkin/_live.html", **_live_context(event)), mimetype="text/html")
    response.headers["ETag"] = etag  # the page polls with If-None-Match itself (the response is no-store)
    return response


@bp.route("/checkin/window", methods=["POST"])
@event_view("checkin.manage")
def set_window(event):
    form = WindowForm()
    if form.validate_on_submit():
        aware = lambda v: local_to_utc(v, event.timezone) if v else None  # noqa: E731
        if perform(lambda: services.set_window(event, aware(form.checkin_opens_at.data),
                                               aware(form.checkin_closes_at.data), actor=current_user),
                   _("The check-in window has been saved."), form=form, field="checkin_opens_at"):
            return redirect(url_for("checkin.overview", slug=event.slug))
    return _overview(event, window_form=form)


@bp.route("/checkin/no-shows.csv")
@event_view("checkin.manage")
def no_shows_csv(event):
    # read whole before the answer streams: the request's session ends when the view returns, and
    # ORM rows read after that would find no identity map (a 500 mid-download)
    rows = [[r.name, r.organisation.name, str(r.category_label), r.position, r.mobile, r.email]
            for r in stats.no_shows(event)]
    header = [_("Name"), _("Organisation"), _("Category"), _("Position"), _("Mobile number"), _("E-mail")]
    return download(csv_chunks(header, rows), f"{event.slug}-no-shows.csv")


@bp.route("/checkin/gates", methods=["POST"])
@event_view("checkin.manage")
def add_gate(event):
    perform(lambda: services.add_gate(event, request.form.get("name", ""), actor=current_user),
            _("The gate has been added."))
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/devices", methods=["POST"])
@event_view("checkin.manage")
def issue_device(event):
    """The new token is shown once, in this response, and kept nowhere (not in the session cookie:
    only its hash is stored)."""
    issued = perform(lambda: services.issue_device(event, request.form.get("name", ""), actor=current_user),
                     _("Device token issued. Copy it now: it is not shown again."))
    if not issued:
        return redirect(url_for("checkin.overview", slug=event.slug))
    return _overview(event, new_token=issued.value[1])


@bp.route("/checkin/devices/<int:device_id>/revoke", methods=["POST"])
@event_view("checkin.manage")
def revoke_device(event, device_id):
    device = of_event(Device, device_id, event)
    perform(lambda: services.revoke_device(event, device, actor=current_user), _("The device can no longer scan."))
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/devices/<int:device_id>/test-mode", methods=["POST"])
@event_view("checkin.manage")
def device_test_mode(event, device_id):
    device = of_event(Device, device_id, event)
    on = request.form.get("on") == "1"
    perform(lambda: services.set_test_mode(event, device, on, actor=current_user),
            _("Test mode is on: this device's scans admit nobody and count nowhere.") if on
            else _("Test mode is off: this device admits people again."))
    return redirect(url_for("checkin.overview", slug=event.slug))


@bp.route("/checkin/<int:check_in_id>/annul", methods=["POST"])
@event_view("checkin.manage")
def annul(event, check_in_id):
    check_in = of_event(CheckIn, check_in_id, event)
    perform(lambda: services.annul(check_in, actor=current_user, reason=request.form.get("reason", "")),
            _("The check-in has been annulled; the person can be scanned again."))
    return redirect(url_for("dashboard.registration", slug=event.slug, registration_id=check_in.registration_id))
