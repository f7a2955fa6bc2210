"""看成效, results. Rules:

- Contracts come from the signing ledgers of the installation's published events (one event a
  year): a record entry counts when the ledger counts it (``ledger.services.state_of``: not
  reversed, confirmed where the event asks for confirmation). A correction is a reversal plus a
  new record, so the old amount drops out and the new one counts, once.
- Amounts are the disclosed ones, in whole fen; an undisclosed contract counts as a contract and
  adds nothing to the total.
- A contract counts once in every alliance-wide figure (the total, by year, by category, by
  event), and once for each organisation among its parties (so the hospitals' bars may add up to
  more than the total when two alliance hospitals sign together).
- Every figure carries the ids of the ledger entries it adds up (:class:`Figure`), and
  :func:`trace` lists those entries: the figure is their sum.
- Achievements are what an organisation showed in an event's corridor, with their stage; clinical
  trials are entered by a hospital's manager and public once reviewed.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.permissions import can_platform
from ..core import audit
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import now_utc, to_zone
from ..events.models import Event
from ..exhibitors import services as exhibitors
from ..exhibitors.models import Booth
from ..extensions import db
from ..ledger.models import CONTRACT_CATEGORIES, KINDS, LedgerEntry
from ..ledger.services import state_of
from ..organisations.models import Organisation
from .common import checked_topics, clip, parse_date
from .models import STAGES, TRIAL_PHASES, Achievement, ClinicalTrial


class ResultsError(DomainError):
    pass


@dataclass
class Contract:
    """A counted contract of one event's ledger."""
    id: int
    event_id: int
    event_name: str
    event_slug: str
    seq: int
    title: str
    category: str
    amount_fen: int | None
    signed_at: datetime
    year: int
    parties: list
    #: the seq of the entry this one corrects
    corrects: int | None = None

    @property
    def category_label(self):
        return CONTRACT_CATEGORIES.get(self.category, self.category)

    @property
    def party_ids(self):
        return {p["id"] for p in self.parties}


@dataclass
class Figure:
    contracts: int = 0
    total_fen: int = 0
    undisclosed: int = 0
    entry_ids: list = field(default_factory=list)

    def add(self, contract: Contract):
        self.contracts += 1
        self.entry_ids.append(contract.id)
        if contract.amount_fen is None:
            self.undisclosed += 1
        else:
            self.total_fen += contract.amount_fen


def contracts(*, party_id=None) -> list[Contract]:
    """The counted contracts of the published events, oldest first; ``party_id``: only those the
    organisation signed."""
    events = {e.id: e for e in db.session.scalars(select(Event).where(Event.published.is_(True)))}
    if not events:
        return []
    rows = db.session.execute(select(
        LedgerEntry.id, LedgerEntry.event_id, LedgerEntry.seq, LedgerEntry.kind, LedgerEntry.target_id,
        LedgerEntry.title, LedgerEntry.category, LedgerEntry.amount_fen, LedgerEntry.signed_at, LedgerEntry.parties,
        LedgerEntry.needs_confirmation).where(LedgerEntry.event_id.in_(list(events)), LedgerEntry.kind.in_(KINDS))
        .order_by(LedgerEntry.event_id, LedgerEntry.seq)).all()
    states = state_of(rows)
    seq_by_id = {r.id: r.seq for r in rows}
    out = []
    for r in rows:
        if states.get(r.id) != "counted":
            continue
        if party_id is not None and party_id not in {p["id"] for p in r.parties or []}:
            continue
        event = events[r.event_id]
        out.append(Contract(id=r.id, event_id=r.event_id, event_name=event.name, event_slug=event.slug, seq=r.seq,
                            title=r.title, category=r.category, amount_fen=r.amount_fen, signed_at=r.signed_at,
                            year=to_zone(r.signed_at, event.timezone).year, parties=list(r.parties or []),
                            corrects=seq_by_id.get(r.target_id) if r.target_id else None))
    out.sort(key=lambda c: (c.signed_at, c.id))
    return out


def summarise(items: list[Contract]) -> dict:
    """The figures of a list of contracts: the total, by year, by category, by event."""
    total, by_year, by_category, by_event = Figure(), defaultdict(Figure), defaultdict(Figure), defaultdict(Figure)
    for c in items:
        total.add(c)
        by_year[c.year].add(c)
        by_category[c.category].add(c)
        by_event[(c.event_id, c.event_name)].add(c)
    return {"total": total, "by_year": dict(sorted(by_year.items())),
            "by_category": dict(sorted(by_category.items(), key=lambda kv: -kv[1].total_fen)),
            "by_event": dict(by_event)}


def by_organisation(items: list[Contract], org_type="hospital") -> list[tuple[Organisation, Figure]]:
    """Each organisation of a type among the parties, with its figure, largest first."""
    ids = {pid for c in items for pid in c.party_ids}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_(ids), Organisation.org_type == org_type))} if ids else {}
    figures = defaultdict(Figure)
    for c in items:
        for pid in c.party_ids & orgs.keys():
            figures[pid].add(c)
    return sorted(((orgs[pid], f) for pid, f in figures.items()), key=lambda kv: (-kv[1].total_fen, kv[0].name))


def alliance() -> dict:
    items = contracts()
    out = summarise(items)
    out["hospitals"] = by_organisation(items, "hospital")
    out["companies"] = by_organisation(items, "enterprise")
    out["events"] = len({c.event_id for c in items})
    return out


def trace(*, party_id=None, year=None, category=None, event_id=None, hospital_id=None) -> tuple[list[Contract], Figure]:
    """The counted contracts behind one figure, and the figure they add up to."""
    items = contracts(party_id=party_id)
    if year:
        items = [c for c in items if c.year == year]
    if category:
        items = [c for c in items if c.category == category]
    if event_id:
        items = [c for c in items if c.event_id == event_id]
    if hospital_id:
        items = [c for c in items if hospital_id in c.party_ids]
    figure = Figure()
    for c in items:
        figure.add(c)
    return items, figure


def organisation_results(organisation) -> dict:
    """Everything the results page of one hospital or company shows."""
    items = contracts(party_id=organisation.id)
    out = summarise(items)
    out["contracts"] = items
    partners = defaultdict(int)
    for c in items:
        for p in c.parties:
            if p["id"] != organisation.id:
                partners[p["name"]] += 1
    out["partners"] = sorted(partners.items(), key=lambda kv: -kv[1])
    out["achievements"] = achievements_of(organisation)
    out["trials"] = trials_of(organisation)
    return out


def organisations_with_results(org_type=None) -> list[Organisation]:
    """Organisations with a counted contract, an achievement or a published trial."""
    ids = {pid for c in contracts() for pid in c.party_ids}
    ids |= set(db.session.scalars(select(Achievement.organisation_id)))
    ids |= set(db.session.scalars(select(ClinicalTrial.organisation_id).where(ClinicalTrial.status == "published")))
    if not ids:
        return []
    query = select(Organisation).where(Organisation.id.in_(ids))
    if org_type:
        query = query.where(Organisation.org_type == org_type)
    return list(db.session.scalars(query.order_by(Organisation.name)))


# --- achievements -----------------------------------------------------------------------------

def add_achievement(event, organisation, *, title_zh, title_en="", stage, summary="", topics=(), booth_code="",
                    actor) -> Achievement:
    errors = {}
    title_zh = " ".join((title_zh or "").split())
    if not title_zh:
        errors["title_zh"] = _("Please enter the title in Chinese.")
    if stage not in STAGES:
        errors["stage"] = _("Please choose the stage.")
    booth = None
    if (booth_code or "").strip():
        booth = db.session.scalar(select(Booth).where(Booth.event_id == event.id,
                                                      Booth.code == booth_code.strip().upper()[:16]))
        if booth is None:
            errors["booth_code"] = _("No booth %(code)s in this event's corridor.", code=booth_code.strip()[:16])
    topics = checked_topics(topics, errors)
    if errors:
        raise InvalidInput(errors)
    item = Achievement(event_id=event.id, organisation_id=organisation.id, booth_id=getattr(booth, "id", None),
                       title_zh=title_zh[:200], title_en=clip(title_en, 200), stage=stage, summary=clip(summary, 3000),
                       topics=topics, created_by_id=actor.id, created_at=now_utc(), updated_at=now_utc())
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "achievement.create", item, event=event, details={"title": item.title_zh, "stage": stage})
    return item


def set_stage(achievement, stage, *, actor) -> Achievement:
    """An achievement moves on (research → pilot → licensed → on the market)."""
    if stage not in STAGES:
        raise InvalidInput({"stage": _("Please choose the stage.")})
    if not (can_platform(actor, "platform.edit") or exhibitors.manages(actor, achievement.organisation_id)):
        raise ResultsError("forbidden", _("Only organizers and the organisation's managers may change this."), status=403)
    old, achievement.stage, achievement.updated_at = achievement.stage, stage, now_utc()
    db.session.flush()
    audit.record(actor, "achievement.stage", achievement, event=achievement.event, details={"from": old, "to": stage})
    return achievement


def achievements_of(organisation):
    return db.session.scalars(select(Achievement).where(Achievement.organisation_id == organisation.id)
                              .order_by(Achievement.event_id.desc(), Achievement.id)).all()


def all_achievements(limit=200):
    return db.session.scalars(select(Achievement).order_by(Achievement.updated_at.desc()).limit(limit)).all()


# --- clinical trials --------------------------------------------------------------------------

def submit_trial(organisation, *, title, phase, registration_no="", sponsor="", topics=(), started_on=None,
                 actor) -> ClinicalTrial:
    """A hospital's manager enters a trial it undertakes; it waits for review."""
    if organisation.org_type != "hospital":
        raise ResultsError("not_hospital", _("Clinical trials are entered for hospitals."))
    if not (exhibitors.manages(actor, organisation.id) or can_platform(actor, "platform.edit")):
        raise ResultsError("forbidden", _("Only the hospital's managers may enter its trials."), status=403)
    errors = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 300:
        errors["title"] = _("The title is too long (at most %(n)d characters).", n=300)
    if phase not in TRIAL_PHASES:
        errors["phase"] = _("Please choose the phase.")
    number = "".join((registration_no or "").split()).upper()
    if len(number) > 40 or (number and not number.replace("-", "").isalnum()):
        errors["registration_no"] = _("Enter the registry number as printed, e.g. CTR20251234.")
    started, date_errors = parse_date(started_on, "started_on")
    errors.update(date_errors)
    topics = checked_topics(topics, errors)
    if errors:
        raise InvalidInput(errors)
    trial = ClinicalTrial(organisation_id=organisation.id, title=title, phase=phase, registration_no=number,
                          sponsor=clip(sponsor, 200), topics=topics, started_on=started, status="submitted",
                          submitted_by_id=actor.id, created_at=now_utc())
    db.session.add(trial)
    db.session.flush()
    audit.record(actor, "trial.submit", trial, details={"title": title})
    return trial


def review_trial(trial, *, publish: bool, note="", actor) -> ClinicalTrial:
    if trial.status != "submitted":
        raise ResultsError("not_submitted", _("Only entries awaiting review can be reviewed."))
    trial.status = "published" if publish else "rejected"
    trial.reviewed_by_id, trial.reviewed_at, trial.review_note = actor.id, now_utc(), clip(note, 500)
    db.session.flush()
    audit.record(actor, "trial.publish" if publish else "trial.reject", trial)
    return trial


def trials_of(organisation, *, published_only=True):
    query = select(ClinicalTrial).where(ClinicalTrial.organisation_id == organisation.id)
    if published_only:
        query = query.where(ClinicalTrial.status == "published")
    return db.session.scalars(query.order_by(ClinicalTrial.started_on.desc(), ClinicalTrial.id.desc())).all()


def trials_for_review():
    return db.session.scalars(select(ClinicalTrial).order_by(ClinicalTrial.status != "submitted",
                                                             ClinicalTrial.created_at.desc()).limit(300)).all()
