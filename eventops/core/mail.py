"""The one mailer: every mail is written to the outbox and delivered by a worker, never by a request.

Sending
-------
::

    send_mail(to, subject, body, *, event=None, secrets=(), attachments=(), dedupe_key=None)

writes one :class:`~.models.MailMessage` row in the caller's transaction (the caller commits, as
with every service). Once that transaction commits, the task ``eventops.mail.deliver`` is sent to
the job queue for each new mail; a rolled-back transaction sends nothing. Without SMTP configured
(``EVENTOPS_SMTP_HOST``) the mail stays in the outbox as ``unsent``.

- ``secrets``: strings that must reach the recipient but that nobody may read in the outbox: the
  token of a personal link, a password-reset link. Every occurrence in ``body`` is replaced by a
  marker (``⟪secret:0⟫``…) before the row is written, and the values are kept sealed in
  :class:`~.models.MailSecret` (see below). Each secret must occur in the body (a ``ValueError``
  otherwise: a typo would store the secret in clear).
- ``attachments``: :class:`Attachment` values, or ``(filename, content_type, data)`` tuples,
  stored with the outbox row (``mail_attachments``) and sent as MIME parts. ``content_type`` may
  carry parameters: ``Attachment("invite.ics", "text/calendar; method=REQUEST", ics_bytes)``.
- ``dedupe_key``: a mail with the same key already written is not written again (the existing
  row is returned): work that may run twice (a message to registrants) mails each person once.

Delivering
----------
The worker's task claims the row first (one UPDATE from ``queued`` to ``sending`` that only one
caller can win, committed before SMTP is opened), so a task delivered twice (a retry, a
redelivery after a crash) sends the mail once. Every try is a :class:`~.models.MailAttempt`.
A failed try puts the mail back in the queue after ``EVENTOPS_MAIL_RETRY_DELAYS`` (1 min, 5 min,
30 min, 2 h), then marks it ``failed``; organizers see failed mails in the outbox and can resend
them. The periodic sweep (:func:`retry_due`, run by Celery beat) sends the retries that are due,
mails whose first task was lost, and takes back mails whose worker died mid-delivery (their
claim ran out: an ``interrupted`` attempt, then a retry). Each mail has a stable Message-ID, so the
one case SMTP cannot rule out (a worker killed after the server accepted the mail but before the
row said so) gives a duplicate that mail clients recognise.

Secret links
------------
A personal link or a password-reset link in the outbox would let an organizer act as the person
(an inviting organizer could set the invitee's password). They are therefore stored redacted: the
body organizers read has the marker, the worker puts the secret back when it builds the mail.
The secrets can not be derived again at send time (a personal link's token is random and only its
hash is stored), so they are kept, encrypted with a key derived from ``SECRET_KEY`` (Fernet:
AES-128-CBC with HMAC-SHA256) in a separate table that no page reads, and deleted as soon as the
mail is delivered; the sweep also deletes those of failed mails after ``SECRET_DAYS``. A database
dump holds no usable link, and after delivery no copy exists at all.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..extensions import db
from . import audit
from .errors import DomainError
from .models import MailAttachment, MailAttempt, MailMessage, MailSecret
from .timeutil import now_utc

log = logging.getLogger(__name__)
_PENDING = "eventops_pending_mail"
DELIVER_TASK = "eventops.mail.deliver"
MARKER = "⟪secret:{}⟫"
_MARKER_RE = re.compile(r"⟪secret:(\d+)⟫")
#: a failed mail's secrets are deleted after this many days (a resend is refused after that)
SECRET_DAYS = 7
#: a sweep sends a mail whose first task never ran after this long
LOST_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


# --- sending ------------------------------------------------------------------------------------

def send_mail(to: str, subject: str, body: str, *, event=None, secrets=(), attachments=(),
              dedupe_key: str | None = None) -> MailMessage:
    """Write a mail to the outbox; it is delivered after the caller's commit (module docstring)."""
    if dedupe_key is not None:
        existing = db.session.scalar(select(MailMessage).where(MailMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)  # a longer one may hold a shorter
    if any(secret not in body for secret in ordered):
        raise ValueError("a secret given to send_mail does not occur in the body")
    for index, secret in enumerate(ordered):
        body = body.replace(secret, MARKER.format(index))
    smtp = bool(current_app.config.get("SMTP_HOST"))
    now = now_utc()
    message = MailMessage(
        created_at=now, event_id=getattr(event, "id", None), to_address=to, subject=subject[:255], body=body,
        status="queued" if smtp else "unsent", next_attempt_at=now if smtp else None, attempts=0,
        dedupe_key=dedupe_key)
    for item in attachments:
        item = item if isinstance(item, Attachment) else Attachment(*item)
        message.attachments.append(MailAttachment(filename=item.filename[:255], content_type=item.content_type,
                                                  data=bytes(item.data)))
    db.session.add(message)
    if ordered:
        db.session.flush()
        db.session.add(MailSecret(message_id=message.id, sealed=_seal(ordered)))
    if smtp:
        db.session.info.setdefault(_PENDING, []).append(message)
    return message


def readable(body: str) -> str:
    """The body as organizers may read it: secret links shown as a notice."""
    return _MARKER_RE.sub(lambda _m: _("[hidden: only in the mail sent]"), body or "")


def delivered_body(message: MailMessage) -> str:
    """The body as the recipient gets it (secrets put back). For the worker, and for tests."""
    secret = db.session.get(MailSecret, message.id)
    if secret is None:
        if _MARKER_RE.search(message.body):
            raise MailSecretGone()
        return message.body
    values = _unseal(secret.sealed)
    return _MARKER_RE.sub(lambda m: values[int(m.group(1))], message.body)


class MailSecretGone(DomainError):
    def __init__(self):
        super().__init__("secret_gone", _("This mail held a personal link that has been discarded; "
                                          "the person can ask for a new link."))


def resend(message: MailMessage, *, actor) -> MailMessage:
    """An organizer sends a failed mail again (its attempts go on being recorded)."""
    if message.status != "failed":
        raise DomainError("not_failed", _("Only a mail that failed can be sent again."))
    if not current_app.config.get("SMTP_HOST"):
        raise DomainError("no_smtp", _("No mail server is configured: nothing can be sent."))
    if _MARKER_RE.search(message.body) and db.session.get(MailSecret, message.id) is None:
        raise MailSecretGone()
    message.status, message.next_attempt_at = "queued", now_utc()
    audit.record(actor, "mail.resend", message, event=message.event_id and _EventRef(message.event_id),
                 details={"to": message.to_address, "attempts": message.attempts})
    db.session.info.setdefault(_PENDING, []).append(message)
    db.session.flush()
    return message


@dataclass(frozen=True)
class _EventRef:
    id: int


# --- secrets ------------------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = hashlib.sha256(b"eventops-mail-secrets:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(values: list[str]) -> str:
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def _unseal(sealed: str) -> list[str]:
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        raise DomainError("secret_unreadable", _("The mail's personal link can no longer be read "
                                                 "(the secret key changed)."))


# --- delivering (the worker) --------------------------------------------------------------------

def _claim_seconds(cfg) -> float:
    return 3 * float(cfg.get("SMTP_TIMEOUT", 30)) + 60


def deliver(message_id: int) -> str:
    """Deliver one mail (the task's body). Returns what happened: sent, failed, retry, or skipped
    when someone else holds or has sent it. Commits."""
    cfg = current_app.config
    now = now_utc()
    claimed = db.session.execute(
        update(MailMessage).where(MailMessage.id == message_id, MailMessage.status == "queued")
        .values(status="sending", attempts=MailMessage.attempts + 1,
                claimed_until=now + timedelta(seconds=_claim_seconds(cfg)))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    message = db.session.get(MailMessage, message_id)
    number = message.attempts
    started = now_utc()
    try:
        mail = _build(message, cfg)
        _smtp_send(mail, cfg)
    except (OSError, smtplib.SMTPException, DomainError, UnicodeError) as exc:
        error = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        log.warning("mail %s to %s, attempt %s failed: %s", message.id, message.to_address, number, error)
        return _record(message, number, started, "failed", error)
    return _record(message, number, started, "sent", None)


def _record(message, number, started, outcome, error) -> str:
    finished = now_utc()
    db.session.add(MailAttempt(message_id=message.id, number=number, started_at=started, finished_at=finished,
                               outcome=outcome, error=error))
    result = outcome
    if message.attempts == number:  # nobody took the mail back in the meantime
        message.claimed_until = None
        if outcome == "sent":
            message.status, message.sent_at, message.error = "sent", finished, None
            db.session.execute(delete(MailSecret).where(MailSecret.message_id == message.id))
        else:
            message.error = error
            result = _schedule_retry(message, finished)
    db.session.commit()
    return result


def _schedule_retry(message, now) -> str:
    delays = current_app.config.get("MAIL_RETRY_DELAYS") or ()
    if message.attempts <= len(delays):
        message.status = "queued"
        message.next_attempt_at = now + timedelta(seconds=delays[message.attempts - 1])
        return "retry"
    message.status, message.next_attempt_at = "failed", None
    return "failed"


def _build(message, cfg) -> EmailMessage:
    mail = EmailMessage()
    sender = cfg["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "eventops.local"
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = f"<mail-{message.id}.{int(message.created_at.timestamp())}@{domain}>"
    mail.set_content(delivered_body(message))
    for item in message.attachments:
        kind, _sep, rest = item.content_type.partition(";")
        maintype, _slash, subtype = kind.strip().partition("/")
        params = {}
        for part in rest.split(";"):
            name, eq, value = part.partition("=")
            if eq:
                params[name.strip()] = value.strip().strip('"')
        mail.add_attachment(item.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                            filename=item.filename, params=params or None)
    return mail


def _smtp_send(mail, cfg) -> None:
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg.get("SMTP_TIMEOUT", 30)) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(mail)


def retry_due(*, limit: int = 500) -> int:
    """The sweep's part for mail (Celery beat, every half minute): take back mails whose worker
    died while holding them, and send the tasks of mails that are due: retries whose wait is
    over, first attempts whose task was lost. Returns how many tasks it sent. Commits."""
    now = now_utc()
    stale = db.session.scalars(select(MailMessage).where(
        MailMessage.status == "sending", MailMessage.claimed_until < now).limit(limit)).all()
    for message in stale:
        db.session.add(MailAttempt(message_id=message.id, number=message.attempts, started_at=message.claimed_until,
                                   finished_at=now, outcome="interrupted",
                                   error=_("The worker stopped while it was delivering this mail.")))
        message.claimed_until, message.error = None, _("The worker stopped while it was delivering this mail.")
        _schedule_retry(message, now)
    due = db.session.scalars(select(MailMessage.id).where(
        MailMessage.status == "queued", MailMessage.next_attempt_at <= now,
        (MailMessage.attempts > 0) | (MailMessage.next_attempt_at <= now - LOST_AFTER))
        .order_by(MailMessage.next_attempt_at).limit(limit)).all()
    if due:
        # sent again only if still queued five minutes from now (a worker with a long queue)
        db.session.execute(update(MailMessage).where(MailMessage.id.in_(due))
                           .values(next_attempt_at=now + LOST_AFTER).execution_options(synchronize_session=False))
    cutoff = now - timedelta(days=SECRET_DAYS)
    old_failed = select(MailMessage.id).where(MailMessage.status == "failed", MailMessage.created_at < cutoff)
    db.session.execute(delete(MailSecret).where(MailSecret.message_id.in_(old_failed)))
    db.session.commit()
    _enqueue(current_app._get_current_object(), due)
    return len(due)


def _enqueue(app, ids) -> None:
    """Send a delivery task per mail. A broker that does not answer loses nothing: the rows stay
    queued and the sweep sends them later."""
    if not ids:
        return
    celery = app.extensions.get("celery")
    if celery is None:
        return
    task = celery.tasks[DELIVER_TASK]
    for message_id in ids:
        try:
            task.apply_async(args=[message_id], ignore_result=True)
        except Exception as exc:  # the broker is away: the sweep will send it
            if app.config.get("CELERY_EAGER"):
                raise
            log.warning("could not queue mail %s: %s", message_id, exc)
            return


def init_app(app) -> None:
    """Queue mail after commits, forget it after rollbacks (create_app calls this; each listener
    is added once), and give templates the ``outbox_text`` filter."""
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not sa_event.contains(Session, name, listener):
            sa_event.listen(Session, name, listener)
    app.add_template_filter(readable, "outbox_text")


def _after_commit(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = [m.id for m in pending if m.id is not None]
    _enqueue(current_app._get_current_object(), ids)


def _after_rollback(session):
    session.info.pop(_PENDING, None)
