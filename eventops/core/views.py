"""What the domains' views share: finding an event's object, running a service for a button."""
from flask import abort, flash

from ..extensions import db
from .errors import DomainError, InvalidInput


def of_event(model, object_id, event):
    """The row ``object_id`` of ``model`` if it belongs to ``event``; 404 otherwise (never another
    event's object through this event's address)."""
    row = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def perform(action, success=None):
    """Run a service for a form button: commit once and flash ``success`` (text, or a callable of
    the result), or roll back and flash the service's reason. Returns the result, or None."""
    try:
        result = action()
    except InvalidInput as exc:
        db.session.rollback()
        flash("; ".join(exc.errors.values()), "error")
        return None
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    db.session.commit()
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return result
