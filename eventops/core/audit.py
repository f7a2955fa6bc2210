"""The audit log: every change made by organizers and staff, who, what and when."""
from ..extensions import db
from .models import AuditEntry
from .timeutil import now_utc


def record(actor, action: str, obj=None, *, event=None, details: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        at=now_utc(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", "") or "",
        event_id=getattr(event, "id", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details=details or {},
    )
    db.session.add(entry)
    return entry
