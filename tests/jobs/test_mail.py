"""Mail through the outbox: delivered by the queue's task (run in place here: the point is its
logic), retried with backoff and every attempt recorded, secret links never readable in the
outbox, attachments sent with the mail, a second delivery of the task sending nothing."""
import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from eventops.accounts import services as accounts
from eventops.core import mail
from eventops.core.models import MailAttempt, MailMessage, MailSecret
from eventops.core.timeutil import freeze_now, now_utc
from eventops.extensions import db
from eventops.jobs import tasks
from eventops.registration import services as registrations

from ..factories import login, person
from .conftest import FlakySMTP


@pytest.fixture
def flaky():
    servers = []

    def start(failures):
        server = FlakySMTP(failures)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def clock():
    moment = [now_utc()]
    freeze_now(lambda: moment[0])
    yield moment
    freeze_now(None)


def _smtp(app, server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, SMTP_TIMEOUT=10)


def _attempts(message_id):
    db.session.expire_all()
    return [(a.number, a.outcome) for a in db.session.scalars(
        select(MailAttempt).where(MailAttempt.message_id == message_id).order_by(MailAttempt.number))]


def test_a_server_that_fails_twice_gets_the_mail_once_after_three_attempts(app, event, flaky, clock):
    server = flaky(failures=2)
    _smtp(app, server)
    registration, token = registrations.register(event, person(1, name="李钇媛"))
    db.session.commit()  # the task is sent after the commit: the first attempt, refused
    message = db.session.scalar(select(MailMessage))
    assert _attempts(message.id) == [(1, "failed")]
    db.session.refresh(message)
    assert message.status == "queued" and message.next_attempt_at == clock[0] + timedelta(seconds=60)

    assert tasks.sweep.apply().get()["mail"] == 0  # not due yet: nothing is sent
    clock[0] += timedelta(seconds=61)
    tasks.sweep.apply()
    assert _attempts(message.id) == [(1, "failed"), (2, "failed")]
    db.session.refresh(message)
    assert message.next_attempt_at == clock[0] + timedelta(seconds=300)  # backing off: 1 min, then 5 min
    clock[0] += timedelta(seconds=301)
    tasks.sweep.apply()
    assert _attempts(message.id) == [(1, "failed"), (2, "failed"), (3, "sent")]
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 3
    assert len(server.accepted) == 1 and server.tries == 3
    # the mail that arrived has the personal link; the outbox never had it, and now nothing has
    received = email.message_from_bytes(server.accepted[0].original_content, policy=policy.default)
    assert f"/r/{token}" in received.get_body().get_content()
    assert token not in message.body and db.session.get(MailSecret, message.id) is None

    # the task delivered again (a redelivery after a crash) sends nothing more
    assert tasks.deliver_mail.apply(args=[message.id]).get() == "skipped"
    clock[0] += timedelta(hours=3)
    tasks.sweep.apply()
    assert len(server.accepted) == 1 and len(_attempts(message.id)) == 3


def test_after_the_last_retry_the_mail_is_failed_and_an_organizer_sends_it_again(app, client, organizer, event,
                                                                               flaky, clock):
    server = flaky(failures=5)
    _smtp(app, server)
    registrations.register(event, person(1))
    db.session.commit()
    message = db.session.scalar(select(MailMessage))
    for wait in app.config["MAIL_RETRY_DELAYS"]:
        clock[0] += timedelta(seconds=wait + 1)
        tasks.sweep.apply()
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 5 and "451" in message.error
    assert [o for _n, o in _attempts(message.id)] == ["failed"] * 5
    assert not server.accepted

    login(client, organizer)
    outbox = client.get(f"/manage/{event.slug}/outbox?status=failed").get_data(as_text=True)
    assert f'id="mail-{message.id}"' in outbox and "451" in outbox and 'class="primary resend"' in outbox
    assert client.post(f"/manage/{event.slug}/outbox/{message.id}/resend").status_code == 302
    db.session.refresh(message)
    assert message.status == "sent" and len(server.accepted) == 1
    assert [o for _n, o in _attempts(message.id)] == ["failed"] * 5 + ["sent"]
    # a mail that was sent cannot be "resent" into a second copy
    client.post(f"/manage/{event.slug}/outbox/{message.id}/resend")
    assert len(server.accepted) == 1


def test_a_worker_that_died_while_sending_leaves_an_interrupted_attempt_then_a_retry(app, event, flaky, clock):
    server = flaky(failures=0)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens: the attempt fails at once
    message = mail.send_mail("a@example.cn", "subject", "body", event=event)
    db.session.flush()
    db.session.query(MailMessage).filter_by(id=message.id).update(
        {"status": "sending", "attempts": 1, "claimed_until": clock[0] + timedelta(minutes=2)})
    db.session.commit()  # as a worker killed mid-delivery leaves it (its own commit came first)
    _smtp(app, server)
    tasks.sweep.apply()
    assert _attempts(message.id) == []  # the claim still runs
    clock[0] += timedelta(minutes=3)
    tasks.sweep.apply()
    assert _attempts(message.id) == [(1, "interrupted")]
    clock[0] += timedelta(seconds=61)
    tasks.sweep.apply()
    assert _attempts(message.id) == [(1, "interrupted"), (2, "sent")] and len(server.accepted) == 1


def test_an_inviting_organizer_cannot_read_the_set_password_link(app, client, organizer, event, flaky):
    server = flaky(failures=0)
    _smtp(app, server)
    login(client, organizer)
    assert client.post(f"/manage/{event.slug}/team", data={"email": "door@example.cn", "role": "door_staff"}).status_code == 302
    message = db.session.scalar(select(MailMessage).where(MailMessage.to_address == "door@example.cn"))
    invitee = accounts.find_by_email("door@example.cn")
    received = email.message_from_bytes(server.accepted[0].original_content, policy=policy.default)
    token = received.get_body().get_content().split("/password/reset/")[1].split()[0]
    assert accounts.user_for_reset_token(token).id == invitee.id  # the invitee got a working link
    outbox = client.get(f"/manage/{event.slug}/outbox").get_data(as_text=True)
    assert "/password/reset/" in outbox and token not in outbox and token not in message.body


def test_secrets_are_sealed_until_delivery_and_must_be_in_the_body(app, event):
    with pytest.raises(ValueError):
        mail.send_mail("a@example.cn", "s", "no link here", secrets=["abcdefghijklmnop"])
    message = mail.send_mail("a@example.cn", "s", "open https://x/r/SECRETTOKEN123456/badge.pdf and /r/SECRETTOKEN123456",
                             secrets=["SECRETTOKEN123456"], event=event)
    db.session.commit()
    assert message.status == "unsent"  # no SMTP configured: the outbox only
    sealed = db.session.get(MailSecret, message.id).sealed
    assert "SECRETTOKEN123456" not in sealed and "SECRETTOKEN123456" not in message.body
    assert mail.readable(message.body).count("⟪") == 0
    assert mail.delivered_body(message) == "open https://x/r/SECRETTOKEN123456/badge.pdf and /r/SECRETTOKEN123456"


def test_attachments_are_kept_with_the_outbox_row_and_sent_as_parts(app, event, flaky):
    server = flaky(failures=0)
    _smtp(app, server)
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    message = mail.send_mail("a@example.cn", "日程", "见附件", event=event,
                             attachments=[mail.Attachment("invite.ics", "text/calendar; method=REQUEST", ics),
                                          ("agenda.pdf", "application/pdf", b"%PDF-1.4 test")])
    db.session.commit()
    assert [a.filename for a in db.session.get(MailMessage, message.id).attachments] == ["invite.ics", "agenda.pdf"]
    received = email.message_from_bytes(server.accepted[0].original_content, policy=policy.default)
    parts = {p.get_filename(): p for p in received.iter_attachments()}
    assert parts["invite.ics"].get_content_type() == "text/calendar"
    assert parts["invite.ics"].get_param("method") == "REQUEST"
    assert parts["invite.ics"].get_payload(decode=True) == ics
    assert parts["agenda.pdf"].get_payload(decode=True) == b"%PDF-1.4 test"
    assert received["Message-ID"]


def test_a_rolled_back_change_sends_nothing_and_dedupe_keys_write_once(app, event, flaky):
    server = flaky(failures=0)
    _smtp(app, server)
    mail.send_mail("a@example.cn", "s", "b", event=event)
    db.session.rollback()
    first = mail.send_mail("b@example.cn", "s", "b", event=event, dedupe_key="k1")
    second = mail.send_mail("b@example.cn", "s", "b", event=event, dedupe_key="k1")
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 1
    assert [e.rcpt_tos for e in server.accepted] == [["b@example.cn"]]


def test_no_smtp_in_the_request_even_with_a_broker_that_does_not_answer(app, event):
    """The request only records the mail; with the queue away, the sweep sends it later."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, CELERY_EAGER=False)
    app.extensions["celery"].conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0",
                                         broker_connection_retry=False, broker_connection_max_retries=0,
                                         broker_transport_options={"max_retries": 0})
    registrations.register(event, person(1))
    db.session.commit()
    message = db.session.scalar(select(MailMessage))
    assert message.status == "queued" and message.attempts == 0
