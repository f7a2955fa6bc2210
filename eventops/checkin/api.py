"""POST /api/v1/events/<slug>/checkins for the scanner page (signed-in door staff, with the CSRF
header) and for devices (``Authorization: Bearer <device token>``)."""
from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.permissions import can
from ..core.timeutil import to_zone
from ..events.services import by_slug
from ..extensions import csrf, db, limiter
from ..registration import queries
from . import services, stats

bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1/events/<slug>")

MESSAGES = {
    "ok": lambda: _("Welcome"),
    "already_checked_in": lambda: _("Already checked in"),
    "invalid": lambda: _("Not a valid badge"),
    "revoked": lambda: _("This badge was replaced by a new one"),
    "cancelled": lambda: _("Registration cancelled"),
    "not_approved": lambda: _("Registration not confirmed"),
    "wrong_event": lambda: _("Badge of another event"),
}


def _error(status, code, message):
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


def _authenticate(event):
    """The device (by bearer token) or the signed-in user allowed to scan; aborts otherwise."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        device = services.device_for_token(header[7:].strip())
        if device is None or device.event_id != event.id:
            abort(_error(401, "unauthorized", _("Unknown or revoked device token.")))
        return None, device
    if not current_user.is_authenticated:
        abort(_error(401, "unauthorized", _("Please sign in.")))
    if not can(current_user, "checkin.scan", event):
        abort(_error(403, "forbidden", _("Your account may not scan at this event.")))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # a cookie-authenticated POST must carry the X-CSRFToken header
    return current_user, None


def _event_or_404(slug):
    event = by_slug(slug)
    if event is None:
        abort(_error(404, "not_found", _("No such event.")))
    return event


def _scanner_key():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "device:" + header[7:39]
    return "user:" + (str(current_user.get_id()) if current_user.is_authenticated else request.remote_addr or "")


def _failed(response):
    return response.status_code in (404, 422)


def result_json(event, result):
    body = {"status": result.status, "message": MESSAGES[result.status](), "nonce": result.scan.nonce,
            "scanned_at": result.scan.at.isoformat(), "replayed": result.replayed}
    reg = result.registration
    if reg is not None and result.status in ("ok", "already_checked_in", "not_approved", "cancelled", "revoked"):
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
def checkin(slug):
    event = _event_or_404(slug)
    user, device = _authenticate(event)
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
def search(slug):
    """Fallback at the door: find people by name or mobile; only the matches are shown."""
    event = _event_or_404(slug)
    if not current_user.is_authenticated or not can(current_user, "checkin.scan", event):
        return _error(403, "forbidden", _("Your account may not scan at this event."))
    q = (request.args.get("q") or "").strip()[:50]
    if len(q) < 2:
        return jsonify(results=[])
    items, _total = queries.page(event, queries.Filters(q=q, sort="name"), 1, 10)
    standing = stats.standing_for([r.id for r in items])
    return jsonify(results=[{"id": r.id, "name": r.name, "organisation": r.organisation.name,
                             "category_label": str(r.category_label), "status": r.status,
                             "status_label": str(r.status_label), "checked_in": r.id in standing} for r in items])


@bp.route("/gates")
def gates(slug):
    event = _event_or_404(slug)
    header = request.headers.get("Authorization", "")
    device = services.device_for_token(header[7:].strip()) if header.startswith("Bearer ") else None
    if device is None and not (current_user.is_authenticated and can(current_user, "checkin.scan", event)):
        return _error(403, "forbidden", _("Your account may not scan at this event."))
    counts = stats.by_gate(event)
    return jsonify(gates=[{"id": gate.id, "name": gate.name, "checked_in": counts.get(gate.id, 0)}
                          for gate in services.gates_of(event)],
                   total=sum(counts.values()), expected=stats.expected(event))
