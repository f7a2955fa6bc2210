"""The one mailer. Every mail is written to the outbox table; with SMTP configured it is also
delivered once the transaction that created it commits, so a rolled-back request sends nothing."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..extensions import db
from .models import MailMessage
from .timeutil import now_utc

log = logging.getLogger(__name__)
_PENDING = "eventops_pending_mail"


def send_mail(to: str, subject: str, body: str, *, event=None) -> MailMessage:
    message = MailMessage(
        created_at=now_utc(), event_id=getattr(event, "id", None), to_address=to,
        subject=subject, body=body, status="queued",
    )
    db.session.add(message)
    if current_app.config.get("SMTP_HOST"):
        db.session.info.setdefault(_PENDING, []).append(message)
    return message


def _deliver(app, message_ids):
    cfg = app.config
    with app.app_context():
        for message in db.session.scalars(db.select(MailMessage).where(MailMessage.id.in_(message_ids))):
            mail = EmailMessage()
            mail["From"] = cfg["MAIL_FROM"]
            mail["To"] = message.to_address
            mail["Subject"] = message.subject
            mail.set_content(message.body)
            try:
                with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
                    if cfg["SMTP_STARTTLS"]:
                        smtp.starttls()
                    if cfg["SMTP_USER"]:
                        smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
                    smtp.send_message(mail)
                message.status, message.sent_at = "sent", now_utc()
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("mail %s to %s failed: %s", message.id, message.to_address, exc)
                message.status, message.error = "failed", str(exc)
        db.session.commit()


def init_app(app) -> None:
    """Deliver mail after commits, forget it after rollbacks (create_app calls this; each
    listener is added once)."""
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not sa_event.contains(Session, name, listener):
            sa_event.listen(Session, name, listener)


def _after_commit(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = [m.id for m in pending if m.id is not None]
    if ids:
        _deliver(current_app._get_current_object(), ids)


def _after_rollback(session):
    session.info.pop(_PENDING, None)
