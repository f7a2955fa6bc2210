"""Exhibitor profiles, uploads, booths, PIs, meeting requests and leads. Services flush; the
caller commits once. ``actor`` is the acting user; exhibitor managers act for their organisation."""
import hashlib

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import OrganisationManager
from ..badges import services as badges
from ..core import audit
from ..core.db import contains, lock_row
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import now_utc
from ..extensions import db
from ..organisations import services as organisations
from ..organisations.models import Organisation
from ..registration.models import STATUS_CANCELLED, Registration
from ..registration.validation import clean_text
from .models import (ZONES, Booth, BoothApplication, ExhibitorProfile, Lead, ProfileRevision,
                     PrincipalInvestigator, Upload)

MAX_LOGO = 2 * 1024 * 1024
MAX_BROCHURE = 10 * 1024 * 1024
TEXT_FIELDS = ("summary_zh", "summary_en", "trial_capacity", "projects", "needs", "products", "strengths", "cooperation")


class ExhibitorError(DomainError):
    pass


def fold(text: str) -> str:
    """NFKC, lower case, no control characters (a NUL would end SQLite's LIKE pattern)."""
    return clean_text(text).lower()


def _list(values, limit=30, length=40):
    out = []
    for value in values or []:
        value = " ".join(str(value).split())[:length]
        if value and value not in out:
            out.append(value)
    return out[:limit]


# --- who manages what -------------------------------------------------------------------------

def managed_organisations(user) -> list[Organisation]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(Organisation).join(
        OrganisationManager, OrganisationManager.organisation_id == Organisation.id)
        .where(OrganisationManager.user_id == user.id).order_by(Organisation.name)))


def manages(user, organisation_id) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(db.session.scalar(select(OrganisationManager.id).where(
        OrganisationManager.user_id == user.id, OrganisationManager.organisation_id == organisation_id)))


def latest_profile_of(user) -> ExhibitorProfile | None:
    """The most recent exhibitor profile of an organisation the user manages."""
    return db.session.scalar(select(ExhibitorProfile).join(
        OrganisationManager, OrganisationManager.organisation_id == ExhibitorProfile.organisation_id)
        .where(OrganisationManager.user_id == user.id).order_by(ExhibitorProfile.id.desc()).limit(1))


def add_manager(organisation, user, *, actor) -> OrganisationManager:
    existing = db.session.scalar(select(OrganisationManager).where(
        OrganisationManager.user_id == user.id, OrganisationManager.organisation_id == organisation.id))
    if existing:
        return existing
    grant = OrganisationManager(user_id=user.id, organisation_id=organisation.id)
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "exhibitor.manager", organisation, details={"user": user.email})
    return grant


def name_manager(event, organisation_name: str, email: str, *, actor):
    """Name an exhibitor manager: an account (invited by mail if new) that edits one
    organisation's profile at this event. Returns (user, organisation)."""
    organisation = organisations.find_by_name(organisation_name)
    if organisation is None:
        raise InvalidInput({"organisation": _("Unknown organisation: it needs a registration at the event first.")})
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.invite(email)
        accounts.mail_reset_link(user, invited_to=event)
    add_manager(organisation, user, actor=actor)
    profile_for(event, organisation)
    return user, organisation


# --- profiles ---------------------------------------------------------------------------------

def profile_for(event, organisation) -> ExhibitorProfile:
    profile = db.session.scalar(select(ExhibitorProfile).where(
        ExhibitorProfile.event_id == event.id, ExhibitorProfile.organisation_id == organisation.id))
    if profile is None:
        profile = ExhibitorProfile(event_id=event.id, organisation_id=organisation.id, status="draft",
                                   specialties=[], tags=[], updated_at=now_utc())
        db.session.add(profile)
        db.session.flush()
    return profile


def _index(profile):
    parts = [profile.organisation.name, *profile.specialties, *profile.tags,
             *(getattr(profile, f) or "" for f in TEXT_FIELDS)]
    profile.search_text = fold(" ".join(parts))


def _clean(data: dict) -> dict:
    errors, out = {}, {}
    for name in TEXT_FIELDS:
        value = (data.get(name) or "").strip()
        if len(value) > 5000:
            errors[name] = _("At most %(n)d characters.", n=5000)
        out[name] = value
    if errors:
        raise InvalidInput(errors)
    out["specialties"] = _list(data.get("specialties"))
    out["tags"] = _list(data.get("tags"))
    return out


def _apply(profile, data: dict):
    for name, value in data.items():
        setattr(profile, name, value)
    _index(profile)
    profile.updated_at = now_utc()


def editable(profile) -> dict:
    """What the manager's form shows: their edit waiting for review, else the profile itself."""
    if profile.pending is not None:
        return dict(profile.pending.data)
    return {name: getattr(profile, name) for name in (*TEXT_FIELDS, "specialties", "tags")}


def update_profile(profile, data: dict, *, actor, submit=False) -> ExhibitorProfile:
    """Save the manager's edits. A published profile stays public as it was: the edit becomes a
    revision waiting for review (nothing unreviewed is public). Before publication, edits go to
    the profile itself, sent for review when ``submit``."""
    cleaned = _clean(data)
    if profile.status == "published":
        revision = profile.pending or ProfileRevision(profile_id=profile.id, created_by_id=actor.id)
        revision.data, revision.status, revision.created_at = cleaned, "submitted", now_utc()
        db.session.add(revision)
        db.session.flush()
        db.session.expire(profile, ["pending"])
        audit.record(actor, "exhibitor.profile.update", profile, event=profile.event,
                     details={"status": "changes_submitted"})
        return profile
    _apply(profile, cleaned)
    if submit:
        profile.status = "submitted"
    db.session.flush()
    audit.record(actor, "exhibitor.profile.update", profile, event=profile.event, details={"status": profile.status})
    return profile


def review_profile(profile, *, publish: bool, note="", actor) -> ExhibitorProfile:
    """Publish the profile (or the edit waiting for review), or return it for changes. Returning an
    edit of a published profile leaves the published version public."""
    note = (note or "").strip()[:500]
    revision = profile.pending
    if revision is not None:
        if publish:
            _apply(profile, revision.data)
        revision.status = "published" if publish else "rejected"
        revision.review_note, revision.reviewed_by_id, revision.reviewed_at = note, actor.id, now_utc()
    elif profile.status not in ("submitted", "published", "rejected"):
        raise ExhibitorError("not_submitted", _("This profile has not been submitted for review."))
    else:
        profile.status = "published" if publish else "rejected"
        _index(profile)
    profile.review_note = note
    profile.reviewed_by_id, profile.reviewed_at = actor.id, now_utc()
    db.session.flush()
    db.session.expire(profile, ["pending"])
    audit.record(actor, "exhibitor.profile.publish" if publish else "exhibitor.profile.reject", profile,
                 event=profile.event, details={"note": note})
    return profile


def published_profile(event, profile_id) -> ExhibitorProfile | None:
    profile = db.session.get(ExhibitorProfile, profile_id)
    if profile is None or profile.event_id != event.id or profile.status != "published":
        return None
    return profile


def search_profiles(event, *, q="", specialty="", tag="", org_type="", page=1, per_page=24):
    query = (select(ExhibitorProfile).join(Organisation, ExhibitorProfile.organisation_id == Organisation.id)
             .where(ExhibitorProfile.event_id == event.id, ExhibitorProfile.status == "published"))
    for term in (q or "").split()[:5]:
        query = query.where(contains(ExhibitorProfile.search_text, fold(term[:50])))
    if specialty:
        query = query.where(contains(ExhibitorProfile.search_text, fold(specialty[:50])))
    if tag:
        query = query.where(contains(ExhibitorProfile.search_text, fold(tag[:50])))
    if org_type:
        query = query.where(Organisation.org_type == org_type)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(Organisation.name).limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return items, total


# --- uploads ----------------------------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The type of an upload read from its first bytes: PNG, JPEG or PDF; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def save_upload(event, organisation, kind, filename, data: bytes, *, actor) -> Upload:
    """Keep a logo (PNG or JPEG, 2 MB) or a brochure (PDF, 10 MB); the type comes from the bytes,
    never from the name or the browser."""
    allowed = {"logo": ({"image/png", "image/jpeg"}, MAX_LOGO), "brochure": ({"application/pdf"}, MAX_BROCHURE)}
    if kind not in allowed:
        raise ExhibitorError("kind", _("Unknown kind of file."))
    types, limit = allowed[kind]
    if not data:
        raise ExhibitorError("empty", _("The file is empty."), field="file")
    if len(data) > limit:
        raise ExhibitorError("too_large", _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), field="file")
    content_type = sniff(data)
    if content_type not in types:
        message = _("A logo must be a PNG or JPEG image.") if kind == "logo" else _("A brochure must be a PDF file.")
        raise ExhibitorError("type", message, field="file")
    name = "".join(ch for ch in (filename or kind) if ch.isprintable() and ch not in '/\\"')[-100:] or kind
    upload = Upload(event_id=event.id, organisation_id=organisation.id, kind=kind, filename=name,
                    content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                    uploaded_by_id=actor.id, created_at=now_utc())
    db.session.add(upload)
    db.session.flush()
    if kind == "logo":
        profile = profile_for(event, organisation)
        profile.logo_id = upload.id
        if profile.status == "published":
            profile.status = "submitted"
    audit.record(actor, f"exhibitor.{kind}.upload", upload, event=event, details={"size": len(data)})
    return upload


def may_see_upload(upload, user) -> bool:
    """Files of a published profile are public; before that only the organisation's managers see them."""
    owner = db.session.scalar(select(ExhibitorProfile).where(ExhibitorProfile.event_id == upload.event_id,
                                                             ExhibitorProfile.organisation_id == upload.organisation_id))
    return owner is not None and (owner.status == "published" or manages(user, upload.organisation_id))


def brochures(event, organisation_id):
    return db.session.scalars(select(Upload).where(Upload.event_id == event.id, Upload.kind == "brochure",
                                                   Upload.organisation_id == organisation_id).order_by(Upload.id)).all()


# --- booths -----------------------------------------------------------------------------------

def booths_of(event):
    return db.session.scalars(select(Booth).where(Booth.event_id == event.id).order_by(Booth.zone, Booth.code)).all()


def add_booth(event, *, code, zone, x, y, width=3.0, depth=2.0, label="", actor) -> Booth:
    code = (code or "").strip().upper()[:16]
    errors = {}
    if not code:
        errors["code"] = _("Please enter the booth code.")
    elif db.session.scalar(select(Booth.id).where(Booth.event_id == event.id, Booth.code == code)):
        errors["code"] = _("This booth code is taken.")
    if zone not in ZONES:
        errors["zone"] = _("Please choose a zone.")
    try:
        x, y, width, depth = (float(v) for v in (x, y, width, depth))
        if not (0 <= x <= 500 and 0 <= y <= 500 and 0.5 <= width <= 50 and 0.5 <= depth <= 50):
            raise ValueError
    except (TypeError, ValueError):
        errors["x"] = _("Position and size are metres on the floor plan (0–500; size 0.5–50).")
    if errors:
        raise InvalidInput(errors)
    lock_row("events", event.id)  # two organizers laying out the corridor at once: one after the other
    clash = overlapping(event, x, y, width, depth)
    if clash is not None:
        raise InvalidInput({"x": _("This space is taken by booth %(code)s.", code=clash.code)})
    booth = Booth(event_id=event.id, code=code, zone=zone, x=x, y=y, width=width, depth=depth,
                  label=(label or "").strip()[:100])
    try:
        with db.session.begin_nested():
            db.session.add(booth)
    except IntegrityError:  # the database's own check (exclusion constraint, trigger)
        raise InvalidInput({"x": _("This space is taken by another booth.")})
    audit.record(actor, "booth.create", booth, event=event, details={"code": code})
    return booth


def map_label(name: str, width: float, lines: int = 2) -> list[str]:
    """A booth's name in at most ``lines`` lines that fit its width on the corridor map (a Chinese
    character is about 0.5 m wide at the map's text size, a Latin letter or digit half that); the
    last line ends in … when the name is longer. The full name is the booth's title."""
    room = max(2.0, (width - 0.5) / 0.5)  # in Chinese-character widths
    out, line, used = [], "", 0.0
    for ch in " ".join((name or "").split()):
        w = 1.0 if ord(ch) > 0x2E7F else 0.55
        if used + w > room:
            out.append(line)
            if len(out) == lines:
                out[-1] = out[-1][:-1] + "…"
                return out
            line, used = "", 0.0
        line, used = line + ch, used + w
    if line:
        out.append(line)
    return out


def overlapping(event, x, y, width, depth) -> Booth | None:
    """A booth of the event that shares floor space with the rectangle (touching edges do not count)."""
    return db.session.scalar(select(Booth).where(
        Booth.event_id == event.id, Booth.x < x + width, Booth.x + Booth.width > x,
        Booth.y < y + depth, Booth.y + Booth.depth > y).limit(1))


def apply_for_booth(profile, *, preferences, zone="", note="", actor) -> BoothApplication:
    application = BoothApplication(event_id=profile.event_id, profile_id=profile.id,
                                   preferences=_list(preferences, limit=5, length=16), zone=zone if zone in ZONES else "",
                                   note=(note or "").strip()[:500], status="pending", created_at=now_utc())
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "booth.apply", application, event=profile.event, details={"preferences": application.preferences})
    return application


def assign_booth(event, booth_id, profile_id, *, actor) -> Booth:
    """Give a free booth to an exhibitor. A conditional UPDATE: if two organizers assign the same
    booth at once, the database lets exactly one of them have it."""
    booth = db.session.get(Booth, booth_id)
    profile = db.session.get(ExhibitorProfile, profile_id)
    if booth is None or booth.event_id != event.id or profile is None or profile.event_id != event.id:
        raise ExhibitorError("not_found", _("No such booth or exhibitor in this event."), status=404)
    result = db.session.execute(update(Booth).where(Booth.id == booth.id, Booth.profile_id.is_(None))
                                .values(profile_id=profile.id).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ExhibitorError("taken", _("Booth %(code)s is already assigned.", code=booth.code), status=409)
    db.session.execute(update(BoothApplication).where(BoothApplication.profile_id == profile.id,
                                                      BoothApplication.status == "pending").values(status="assigned"))
    db.session.refresh(booth)
    audit.record(actor, "booth.assign", booth, event=event, details={"code": booth.code, "profile": profile.id})
    return booth


def release_booth(event, booth, *, actor):
    audit.record(actor, "booth.release", booth, event=event, details={"code": booth.code, "profile": booth.profile_id})
    booth.profile_id = None
    db.session.flush()


def booth_of_organisation(event, organisation_id) -> Booth | None:
    return db.session.scalar(select(Booth).join(ExhibitorProfile, Booth.profile_id == ExhibitorProfile.id).where(
        Booth.event_id == event.id, ExhibitorProfile.organisation_id == organisation_id).order_by(Booth.code).limit(1))


# --- PIs --------------------------------------------------------------------------------------

def hospital_named(name: str):
    hospital = organisations.find_by_name(name)
    if hospital is None:
        raise InvalidInput({"hospital": _("Unknown hospital: register it first.")})
    return hospital


def add_pi(event, hospital, *, name, department="", specialty="", research_areas=(), trial_experience="", actor=None):
    name = " ".join((name or "").split())[:50]
    if not name:
        raise InvalidInput({"name": _("Please enter the PI's name.")})
    if hospital.org_type != "hospital":
        raise InvalidInput({"hospital": _("A PI belongs to a hospital.")})
    pi = PrincipalInvestigator(event_id=event.id, hospital_id=hospital.id, name=name, department=department.strip()[:100],
                               specialty=specialty.strip()[:100], research_areas=_list(research_areas),
                               trial_experience=(trial_experience or "").strip()[:3000])
    pi.search_text = fold(" ".join([name, hospital.name, pi.department, pi.specialty, *pi.research_areas, pi.trial_experience]))
    db.session.add(pi)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "pi.create", pi, event=event, details={"name": name})
    return pi


def pi_hospitals(event) -> list[Organisation]:
    """The hospitals with PIs in the event's directory."""
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(
        select(PrincipalInvestigator.hospital_id).where(PrincipalInvestigator.event_id == event.id)))
        .order_by(Organisation.name)))


def search_pis(event, *, q="", specialty="", hospital_id=None, page=1, per_page=30):
    query = select(PrincipalInvestigator).where(PrincipalInvestigator.event_id == event.id)
    for term in (q or "").split()[:5]:
        query = query.where(contains(PrincipalInvestigator.search_text, fold(term[:50])))
    if specialty:
        query = query.where(contains(PrincipalInvestigator.search_text, fold(specialty[:50])))
    if hospital_id:
        query = query.where(PrincipalInvestigator.hospital_id == hospital_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(PrincipalInvestigator.name).limit(per_page)
                               .offset((max(page, 1) - 1) * per_page)).all()
    return items, total


# --- meeting requests -------------------------------------------------------------------------

def capture_lead(profile, code, *, consent: bool, note="", actor) -> tuple[Lead, bool]:
    """An exhibitor scans a visitor's badge. Only with the visitor's consent; only badges of this
    event. Scanning the same visitor twice keeps one lead."""
    if not consent:
        raise ExhibitorError("consent", _("Ask the visitor first: a lead is kept only with their consent."), field="consent")
    badge = badges.by_code(code)
    registration = db.session.get(Registration, badge.registration_id) if badge and badge.revoked_at is None else None
    if registration is None or registration.event_id != profile.event_id or registration.status == STATUS_CANCELLED:
        raise ExhibitorError("invalid", _("Not a valid badge of this event."), field="code")
    existing = db.session.scalar(select(Lead).where(Lead.profile_id == profile.id, Lead.registration_id == registration.id))
    if existing:
        return existing, False
    lead = Lead(event_id=profile.event_id, profile_id=profile.id, registration_id=registration.id, consent_at=now_utc(),
                note=(note or "").strip()[:500], scanned_by_id=actor.id, created_at=now_utc())
    db.session.add(lead)
    db.session.flush()
    return lead, True


def leads_of(profile):
    return db.session.scalars(select(Lead).where(Lead.profile_id == profile.id).order_by(Lead.created_at.desc())).all()


def profiles_for_review(event):
    """Every profile of the event, those waiting for review (or with an edit waiting) first."""
    profiles = db.session.scalars(select(ExhibitorProfile).join(Organisation).where(
        ExhibitorProfile.event_id == event.id).options(selectinload(ExhibitorProfile.pending))
        .order_by(Organisation.name)).all()
    return sorted(profiles, key=lambda p: (p.status != "submitted" and p.pending is None, p.status))


def applications(event):
    return db.session.scalars(select(BoothApplication).where(BoothApplication.event_id == event.id)
                              .order_by(BoothApplication.status.desc(), BoothApplication.created_at)).all()


