"""Choosing a person or a request by typing (for the views): what a picker shows, and the JSON
its typeahead asks for. Without JavaScript the picker is a search field whose button submits the
form with ``find``: the page comes back with the matches as radio buttons and everything else
typed kept (``templates/meetings/_picker.html``, ``static/js/picker.js``)."""
from dataclasses import dataclass, field

from flask import jsonify
from flask_babel import gettext as _

from ..extensions import db
from ..registration.models import Registration
from . import zone
from .models import MeetingRequest


@dataclass
class Picker:
    q: str = ""
    chosen: int | None = None
    options: list = field(default_factory=list)   # (id, label, detail)
    searched: bool = False


def person_option(registration, *, staff=False):
    detail = registration.organisation.name
    if staff:
        detail += f" · {registration.category_label} · ****{registration.mobile[-4:]}"
        if not zone.takes_part(registration):
            detail += " · " + _("not taking part in one-to-one meetings")
    return registration.id, registration.name, detail


def request_option(request):
    who = f"{request.from_registration.name} → {request.to_registration.name}"
    detail = " · ".join(part for part in (request.from_registration.organisation.name,
                                          request.to_registration.organisation.name, request.topic,
                                          str(request.status_label)) if part)
    return request.id, who, detail


def people_picker(event, form, name, *, staff=False, asked_by=None, category=None) -> Picker:
    """The state of a person picker from a submitted (or empty) form."""
    picker = Picker(q=(form.get(f"{name}_q") or "").strip()[:100], chosen=_int(form.get(name)))
    if picker.q:
        picker.searched = True
        picker.options = [person_option(p, staff=staff) for p in zone.find_people(
            event, picker.q, staff=staff, asked_by=asked_by, category=category)]
    chosen = db.session.get(Registration, picker.chosen) if picker.chosen else None
    if chosen is not None and chosen.event_id == event.id and all(o[0] != chosen.id for o in picker.options):
        picker.options.insert(0, person_option(chosen, staff=staff))
    return picker


def request_picker(event, form, name, *, statuses=("accepted",)) -> Picker:
    picker = Picker(q=(form.get(f"{name}_q") or "").strip()[:100], chosen=_int(form.get(name)))
    if picker.q:
        picker.searched = True
        picker.options = [request_option(r) for r in zone.find_requests(event, picker.q, statuses=statuses)]
    chosen = db.session.get(MeetingRequest, picker.chosen) if picker.chosen else None
    if chosen is not None and chosen.event_id == event.id and chosen.to_registration_id \
            and all(o[0] != chosen.id for o in picker.options):
        picker.options.insert(0, request_option(chosen))
    return picker


def as_json(options):
    return jsonify(results=[{"id": i, "label": label, "detail": detail} for i, label, detail in options])


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
