"""What every domain's views share: opening an event's page, finding its objects, and one path
from a service call to the response (commit once, or roll back and show the DomainError).

A view declares what it needs and lets these helpers do the rest::

    @bp.route("/manage/<slug>/checkin/devices/<int:device_id>/revoke", methods=["POST"])
    @event_view("checkin.manage")
    def revoke_device(event, device_id):
        device = of_event(Device, device_id, event)
        perform(lambda: services.revoke_device(event, device, actor=current_user),
                _("The device can no longer scan."))
        return redirect(url_for("checkin.overview", slug=event.slug))

Core sits below every domain, so it does not import them: ``create_app`` hands it the event
loader, the personal-link loader and the permission check (as Flask-Login is handed its user
loader), see :func:`init_app`.
"""
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from flask import Response, abort, current_app, flash, render_template, stream_with_context
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from .errors import DomainError, InvalidInput
from .forms import attach_errors

_KEY = "eventops.views"


@dataclass(frozen=True)
class _Loaders:
    event: Callable[..., Any]          # (slug, **options) -> Event | None
    registration: Callable[[str], Any]  # (secret token) -> Registration | None
    can: Callable[[Any, str, Any], bool]  # (user, permission, event) -> bool


def init_app(app, *, load_event, load_registration, can) -> None:
    app.extensions[_KEY] = _Loaders(load_event, load_registration, can)


def _loaders() -> _Loaders:
    return current_app.extensions[_KEY]


def can(permission: str, event) -> bool:
    """Whether the signed-in user holds ``permission`` at ``event`` (admins hold every one)."""
    return _loaders().can(current_user, permission, event)


def require(permission: str, event) -> None:
    """Send an anonymous visitor to the login page (401), refuse anyone else without
    ``permission`` (403)."""
    if not current_user.is_authenticated:
        abort(401)
    if not can(permission, event):
        abort(403)


def get_event_or_404(slug: str, *, public: bool = False, **options):
    """The event at ``slug``; 404 when there is none, and for ``public`` pages when it is not
    published (its organizers still see it)."""
    event = _loaders().event(slug, **options) if isinstance(slug, str) else None
    if event is None:
        abort(404)
    if public and not event.published and not can("event.manage", event):
        abort(404)
    return event


def event_view(permission: str | None = None, *, public: bool = False, **options):
    """Decorate a view of a ``<slug>`` route: the event is loaded (404 when missing), the
    permission checked on the server (anonymous: to the login page; otherwise 403), and the view
    called with ``event`` in place of ``slug``. ``permission=None`` with ``public=True`` is a
    public page of a published event. ``options`` go to the event loader (``with_rules=True``)."""
    if permission is None and not public:
        raise ValueError("an event view needs a permission, or public=True")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, slug, **kwargs):
            event = get_event_or_404(slug, public=public, **options)
            if permission is not None:
                require(permission, event)
            return view(event, *args, **kwargs)
        return wrapper
    return decorate


def personal_view(*, approved: bool = False):
    """Decorate a view of a ``/r/<token>`` route (the registrant's secret link): the view is called
    with ``registration`` first (``token`` stays, for links back to the page); an unknown link is
    404, and so is one whose registration is not approved when ``approved`` is asked for."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, token, **kwargs):
            registration = _loaders().registration(token) if isinstance(token, str) else None
            if registration is None or (approved and registration.status != "approved"):
                abort(404)
            return view(registration, *args, token=token, **kwargs)
        return wrapper
    return decorate


def of_event(model, object_id, event):
    """The row ``object_id`` of ``model`` if it belongs to ``event``; 404 otherwise (never another
    event's object through this event's address)."""
    row = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if row is None or row.event_id != event.id:
        abort(404)
    return row


@dataclass(frozen=True)
class Outcome:
    """What :func:`perform` did: true when the change was committed; ``value`` is the service's
    result, ``error`` the DomainError or InvalidInput that rolled it back."""
    ok: bool
    value: Any = None
    error: Exception | None = None

    def __bool__(self) -> bool:
        return self.ok


def perform(action: Callable[[], Any], success=None, *, form=None, field: str | None = None) -> Outcome:
    """Run ``action`` (a service call) for a request that changes something, and commit once.

    On success ``success`` is flashed: a text, or a callable of the result that returns a text,
    a ``(text, category)`` pair or None. On an ``InvalidInput`` or ``DomainError`` the session is
    rolled back and the message shown: next to ``form``'s fields when a form is given (the
    error's own field, else ``field``), flashed otherwise. Nothing is half-saved."""
    try:
        value = action()
    except InvalidInput as exc:
        db.session.rollback()
        _show(exc.errors, form)
        return Outcome(False, error=exc)
    except DomainError as exc:
        db.session.rollback()
        _show({exc.field or field or "": exc.message}, form)
        return Outcome(False, error=exc)
    db.session.commit()
    message = success(value) if callable(success) else success
    if message:
        text, category = message if isinstance(message, tuple) else (message, "success")
        flash(str(text), category)
    return Outcome(True, value)


def _show(errors: dict, form) -> None:
    if form is None:
        flash("; ".join(str(m) for m in errors.values()), "error")
    else:
        attach_errors(form, errors)


MIMETYPES = {"csv": "text/csv", "pdf": "application/pdf", "zip": "application/zip", "json": "application/json",
             "ics": "text/calendar", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(body, filename: str, *, inline: bool = False, private: bool = True) -> Response:
    """A file for the browser: bytes, or an iterator of chunks (streamed inside the request's
    context). Its type follows the name; ``private`` files (anything with people's data) are never
    kept by caches (``Cache-Control: no-store``)."""
    if not isinstance(body, (bytes, str)):
        body = stream_with_context(body)
    response = Response(body, mimetype=MIMETYPES[filename.rsplit(".", 1)[-1]])
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response


def render_form(template: str, **context):
    """Render a page that holds forms: 400 when any form in it carries errors, else 200."""
    invalid = any(value.errors for value in context.values() if isinstance(value, FlaskForm))
    return render_template(template, **context), 400 if invalid else 200
