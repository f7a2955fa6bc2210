"""The mails a registrant gets, in the language they registered in: what happened, when and where
the event is, and a working personal link (a new one when the mail is not the first, since only
links' hashes are kept). And the event as an iCalendar entry, for the personal page's "add to my
calendar" and attached to the mails themselves. The link is a secret: the outbox keeps the mail
without it (``secrets=``, core.mail)."""
from babel.dates import format_date, format_time, get_timezone_name
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from ..core.mail import Attachment, send_mail
from ..core.timeutil import now_utc, to_zone
from ..core.urls import absolute_url
from .models import STATUS_APPROVED, STATUS_PENDING

PRODID = "-//EventOps//Registration//ZH"


def send(registration, kind: str, token: str, *, dedupe_key: str | None = None) -> None:
    """Write the mail of ``kind`` (registered, approved, promoted, rejected, cancelled, link; and
    imported, sent: the organizers mail the link, after an import or from the list) to
    ``registration``, with the personal link of ``token``. ``dedupe_key``: work that may run
    twice writes this mail once (core.mail)."""
    event = registration.event
    locale = registration.locale or "zh"
    with force_locale(locale):
        subject, lines = _what(registration, kind)
        lines += ["", *when_and_where(event, locale), ""]
        lines.append(_("Your personal link (see your status, change your details or cancel):"))
        lines.append(absolute_url("registration.personal", token=token))
        lines.append(_("Keep this link to yourself: anyone who has it can change your registration."))
        if registration.status == STATUS_APPROVED:
            lines.append("")
            lines.append(_("Your badge, with the QR code to show at the entrance:"))
            lines.append(absolute_url("badges.personal_pdf", token=token))
        lines.append(_("Add the event to your calendar:"))
        lines.append(absolute_url("registration.calendar", token=token))
        body = "\n".join([_("Dear %(name)s,", name=registration.name), "", *lines, "", event.name])
        send_mail(registration.email, f"[{event.name}] {subject}", body, event=event, secrets=[token],
                  dedupe_key=dedupe_key, attachments=[Attachment("event.ics", "text/calendar; charset=utf-8; method=PUBLISH",
                                          calendar(registration))])


def when_and_where(event, locale: str) -> list[str]:
    """'Date: …', 'Time: … (China Standard Time)', 'Venue: …', in ``locale`` and the event's zone."""
    starts, ends = to_zone(event.starts_at, event.timezone), to_zone(event.ends_at, event.timezone)
    zone = get_timezone_name(starts, width="long", locale=locale)
    if starts.date() == ends.date():
        date = format_date(starts, format="full", locale=locale)
        time = f"{format_time(starts, 'HH:mm', locale=locale)}–{format_time(ends, 'HH:mm', locale=locale)}"
    else:
        date = f"{format_date(starts, format='full', locale=locale)} – {format_date(ends, format='full', locale=locale)}"
        time = f"{format_time(starts, 'HH:mm', locale=locale)} – {format_time(ends, 'HH:mm', locale=locale)}"
    lines = [_("Date: %(date)s", date=date), _("Time: %(time)s (%(zone)s)", time=time, zone=zone)]
    if event.venue:
        lines.append(_("Venue: %(venue)s", venue=event.venue))
    return lines


def _what(registration, kind):
    status = registration.status
    if kind == "registered":
        if status == STATUS_APPROVED:
            return _("Registration confirmed"), [_("Your registration is confirmed.")]
        if status == STATUS_PENDING:
            return _("Registration received"), [_("We have received your registration. The organizers will review it and write to you.")]
        return _("You are on the waitlist"), [_("The event is full; you are on the waitlist. We will write to you as soon as a place is free.")]
    if kind == "approved":
        return _("Registration confirmed"), [_("The organizers have approved your registration.")]
    if kind == "promoted":
        if status == STATUS_PENDING:
            return _("A place is free for you"), [_("A place has become free and your registration now awaits the organizers' review.")]
        return _("A place is free for you"), [_("A place has become free: your registration is now confirmed.")]
    if kind == "rejected":
        return _("Registration not accepted"), [_("We are sorry: the organizers could not accept your registration.")]
    if kind == "cancelled":
        return _("Registration cancelled"), [_("Your registration has been cancelled.")]
    if kind in ("imported", "sent"):
        first = (_("The organizers have registered you for this event.") if kind == "imported" else
                 _("The organizers send you your personal link for this event. The links you had before still work."))
        return _("Your personal link"), [first, _status_line(status)]
    return _("Your personal link"), [_("Here is your personal link, as you asked. The links you had before still work.")]


def _status_line(status):
    if status == STATUS_APPROVED:
        return _("Your registration is confirmed.")
    if status == STATUS_PENDING:
        return _("Your registration awaits the organizers' review; they will write to you.")
    return _("The event is full; you are on the waitlist. We will write to you as soon as a place is free.")


def calendar(registration) -> bytes:
    """The event as one iCalendar entry (times in UTC, which every calendar converts; the UID is
    the event's and the registration's, so importing it twice updates the same entry)."""
    event = registration.event
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = VEvent()
    item.add("uid", f"event-{event.id}-registration-{registration.id}@eventops")
    item.add("dtstamp", now_utc())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.name)
    if event.venue:
        item.add("location", event.venue)
    if event.description:
        item.add("description", event.description)
    item.add("status", "CANCELLED" if registration.status in ("cancelled", "rejected") else "CONFIRMED")
    cal.add_component(item)
    return cal.to_ical()
