"""The scanners' API under /api/v1/events/<slug>: check-ins, the gate pack, search, gates.

A scanner is a device (``Authorization: Bearer <device token>``, the scheme in any case; the token
works only at its own event) or a signed-in user allowed to scan, whose POSTs carry the
``X-CSRFToken`` header. Every error answers ``{"error": code, "message": translated text}``; every
scan answers ``{"status": verdict, "message": ...}`` (see :mod:`.statuses`).
"""
import re
import time
from functools import wraps

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from limits import parse as parse_limit
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.permissions import can
from ..core.errors import DomainError
from ..core.timeutil import to_zone
from ..events.models import Event
from ..extensions import csrf, db, limiter
from ..registration import queries
from . import pack, services, stats
from .statuses import FAILED, SHOWS_ATTENDEE, STATUSES

bp = Blueprint("checkin_api", __name__, url_prefix="/api/v1/events/<slug>")

#: a scan is a few hundred bytes; anything much larger is not one
MAX_BODY = 16 * 1024
SCANNER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_pause = time.sleep  # tests replace it


def _error(status, code, message):
    response = jsonify(error=code, message=str(message))
    response.status_code = status
    return response


def bearer() -> str | None:
    """The bearer token of the request (``Bearer``, ``bearer``, ``BEARER``...), "" for an empty one,
    None when the request carries none."""
    scheme, _sep, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()


def _door(slug, **lookup):
    """What the request is about (event, device, gate and, for a scan, the badge: one statement), and the signed-in user when it is not a device; aborts with the error when the
    scanner may not scan here."""
    token = bearer()
    door = services.resolve(slug, token=token, **lookup)
    if door is None:
        abort(_error(404, "not_found", _("There is no such event.")))
    if token is not None:
        if door.device is None:
            abort(_error(401, "unauthorized", _("Unknown or revoked device token.")))
        return door, None
    if not current_user.is_authenticated:
        abort(_error(401, "unauthorized", _("Please sign in.")))
    if not can(current_user, "checkin.scan", door.event):
        abort(_error(403, "forbidden", _("Your account may not scan at this event.")))
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # a cookie-authenticated POST must carry the X-CSRFToken header
    return door, current_user._get_current_object()


def scanner_api(view):
    """An API view for the scanners of the ``<slug>``'s event; the view gets ``event``, ``user``
    (None for a device) and ``device`` (None for a user)."""
    @wraps(view)
    def wrapper(slug, **kwargs):
        door, user = _door(slug)
        return view(db.session.get(Event, door.event.id), user=user, device=door.device, **kwargs)
    return wrapper


def _scanner_key(device, user) -> str:
    """Whose failed scans count together: a device, or a staff member on one scanner (the scanner
    page sends its own random id). Never a token's characters."""
    if device is not None:
        return f"device:{device.id}"
    scanner = request.headers.get("X-Scanner-Id", "")
    return f"staff:{user.id}:{scanner if SCANNER_ID.match(scanner) else '-'}"


def _count_failed(event, device, user):
    """Count a failed scan (invalid, another event's badge); over the limit, hold the answer back a
    moment. Only failed answers are slowed: a valid badge is never refused nor kept waiting."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return
    item = parse_limit(config.get("FAILED_SCAN_LIMIT", "30 per minute"))
    if not limiter.limiter.hit(item, "failed-scan", str(event.id), _scanner_key(device, user)):
        _pause(config.get("FAILED_SCAN_DELAY", 2.0))


def result_json(event, result, nonce):
    body = {"status": result.status, "message": str(STATUSES[result.status].message), "nonce": nonce,
            "replayed": result.replayed}
    if result.scan is not None:
        body["scanned_at"] = result.scan.at.isoformat()
    if result.test:
        body["test"] = True
    reg = result.registration
    if reg is not None and result.status in SHOWS_ATTENDEE:
        body["attendee"] = {"name": reg.name, "organisation": reg.organisation,
                            "category": reg.category, "category_label": str(reg.category_label),
                            "org_type": reg.org_type, "vip": reg.category == "vip",
                            "status": reg.status}
    if result.status == "already_checked_in" and result.previous_at is not None:
        body["previous"] = {"at": to_zone(result.previous_at, event.timezone).strftime("%Y-%m-%d %H:%M:%S"),
                            "at_iso": result.previous_at.isoformat(), "gate": result.previous_gate}
    return body


def _bad_request():
    return _error(400, "bad_request", _("Send a JSON object with code, gate and nonce."))


@bp.route("/checkins", methods=["POST"])
def checkin(slug):
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, "too_large", _("A scan is at most 16 KB."))
    request.max_content_length = MAX_BODY  # a body without Content-Length is cut there too
    try:
        data = request.get_json(silent=True)
    except RequestEntityTooLarge:
        return _error(413, "too_large", _("A scan is at most 16 KB."))
    fields = data if isinstance(data, dict) else {}
    code, registration_id = fields.get("code"), fields.get("registration_id")
    door, user = _door(slug, gate_ref=fields.get("gate"), code=code if registration_id is None else None,
                       registration_id=registration_id)
    device, event = door.device, door.event
    if not isinstance(data, dict):
        return _bad_request()
    if registration_id is not None and (device is not None or not isinstance(registration_id, int)
                                        or isinstance(registration_id, bool)):
        return _error(400, "bad_request", _("Check-in by person is for signed-in staff only."))
    if code is None and registration_id is None:
        return _bad_request()
    if door.gate is None:
        return _error(400, "unknown_gate", _("Unknown gate."))
    try:
        scanned_at = services.parse_moment(data.get("scanned_at"))
        sent_at = services.parse_moment(data.get("sent_at")) if scanned_at is not None else None
        result = services.scan(event, gate=door.gate, nonce=data.get("nonce"),
                               code=code if registration_id is None else None, registration_id=registration_id,
                               user=user, device=device, scanned_at=scanned_at, sent_at=sent_at, door=door)
        body = result_json(event, result, data.get("nonce"))
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _error(exc.status, exc.code, exc.message)
    if result.status in FAILED and not result.replayed:
        _count_failed(event, device, user)
    return jsonify(body), result.http_status


@bp.route("/checkins/pack")
@scanner_api
def gate_pack(event, *, user, device):
    """The gate pack (see :mod:`.pack`): whole, or what changed since ``?since=<as_of>``."""
    body = pack.build(event, since=pack.parse_since(request.args.get("since")))
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


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
                   total=sum(counts.values()), expected=stats.expected(event),
                   test_mode=bool(device is not None and device.test_mode))


@bp.route("/scanner/session")
@scanner_api
def scanner_session(event, *, user, device):
    """For the scanner page: a fresh CSRF token (a page reloaded from the offline cache, or after
    signing in again, holds an old one) and who is signed in."""
    if device is not None:
        return _error(403, "forbidden", _("This is for signed-in staff only."))
    response = jsonify(csrf=generate_csrf(), user=user.name or user.email)
    response.headers["Cache-Control"] = "no-store"
    return response
