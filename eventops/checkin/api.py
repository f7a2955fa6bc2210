"""POST /api/v1/events/<slug>/checkins for the scanner page (signed-in door staff, with the CSRF
header) and for devices (``Authorization: Bearer <device token>``)."""
from functools import wraps

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.views import get_event_or_404
from ..accounts.permissions import can
from ..core.timeutil import to_zone
from ..extensions import csrf, db, limiter
from ..registration import queries
from . import services, stats
from .statuses import FAILED, SHOWS_ATTENDEE, STATUSES

bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1/events/<slug>")


def _error(status, code, message):
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def scanner_api(view):
    """An API view for scanners at the event of the ``<slug>``: a device (by its bearer token) or
    a signed-in user allowed to scan; the view gets ``event``, ``user`` and ``device``."""
    @wraps(view)
    def wrapper(slug, **kwargs):
        event = get_event_or_404(slug)
        token = _bearer()
        if token is not None:
            device = services.device_for_token(token)
            if device is None or device.event_id != event.id:
                abort(_error(401, "unauthorized", _("Unknown or revoked device token.")))
            return view(event, user=None, device=device, **kwargs)
        if not current_user.is_authenticated:
            abort(_error(401, "unauthorized", _("Please sign in.")))
        if not can(current_user, "checkin.scan", event):
            abort(_error(403, "forbidden", _("Your account may not scan at this event.")))
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # a cookie-authenticated POST must carry the X-CSRFToken header
        return view(event, user=current_user, device=None, **kwargs)
    return wrapper


def _scanner_key():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "device:" + header[7:39]
    return "user:" + (str(current_user.get_id()) if current_user.is_authenticated else request.remote_addr or "")


def _failed(response):
    return response.status_code in {STATUSES[code].http for code in FAILED}


def result_json(event, result):
    body = {"status": result.status, "message": str(STATUSES[result.status].message), "nonce": result.scan.nonce,
            "scanned_at": result.scan.at.isoformat(), "replayed": result.replayed}
    reg = result.registration
    if reg is not None and result.status in SHOWS_ATTENDEE:
        body["attendee"] = {"name": reg.name, "organisation": reg.organisation.name,
                            "category": reg.category, "category_label": str(reg.category_label),
                            "org_type": reg.organisation.org_type, "vip": reg.category == "vip",
                            "status": reg.status}
    if result.status == "already_checked_in" and result.check_in is not None:
        body["previous"] = {"at": to_zone(result.check_in.at, event.timezone).strftime("%H:%M:%S"),
                            "gate": result.check_in.gate.name}
    return body


@bp.route("/checkins", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("FAILED_SCAN_LIMIT", "30 per minute"), key_func=_scanner_key,
               deduct_when=_failed)
@scanner_api
def checkin(event, *, user, device):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "bad_request", _("Send a JSON object with code, gate and nonce."))
    code, registration_id = data.get("code"), data.get("registration_id")
    if registration_id is not None and (device is not None or not isinstance(registration_id, int)):
        return _error(400, "bad_request", _("Check-in by person is for signed-in staff only."))
    if code is None and registration_id is None:
        return _error(400, "bad_request", _("Send a JSON object with code, gate and nonce."))
    try:
        gate = services.gate_of(event, data.get("gate"))
        result = services.scan(event, gate=gate, nonce=data.get("nonce"), code=code if registration_id is None else None,
                               registration_id=registration_id, user=user, device=device)
        body = result_json(event, result)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _error(exc.status, exc.code, exc.message)
    return jsonify(body), result.http_status


@bp.route("/checkins/search")
@scanner_api
def search(event, *, user, device):
    """Fallback at the door: find people by name or mobile; only the matches are shown."""
    if device is not None:
        return _error(403, "forbidden", _("Search is for signed-in staff only."))
    q = (request.args.get("q") or "").strip()[:50]
    if len(q) < 2:
        return jsonify(results=[])
    items, _total = queries.page(event, queries.Filters(q=q, sort="name"), 1, 10)
    standing = stats.standing_for([r.id for r in items])
    return jsonify(results=[{"id": r.id, "name": r.name, "organisation": r.organisation.name,
                             "category_label": str(r.category_label), "status": r.status,
                             "status_label": str(r.status_label), "checked_in": r.id in standing} for r in items])


@bp.route("/gates")
@scanner_api
def gates(event, *, user, device):
    counts = stats.by_gate(event)
    return jsonify(gates=[{"id": gate.id, "name": gate.name, "checked_in": counts.get(gate.id, 0)}
                          for gate in services.gates_of(event)],
                   total=sum(counts.values()), expected=stats.expected(event))
