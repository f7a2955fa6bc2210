"""Ledger rules. Every append takes the lock on the event's ledger head, so entries get gapless
sequence numbers, the chain never forks and the running totals move in step with the entries.
Each entry is chained twice (chain.py): by hash, and by an HMAC keyed with EVENTOPS_LEDGER_KEY;
checkpoints of the chain's end are written when a signing session closes and when the press
summary is printed. Services flush; the caller commits once."""
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError, InvalidInput
from ..core.money import parse_cny
from ..core.timeutil import now_utc
from ..extensions import db
from ..organisations.models import Organisation
from ..organisations.services import clean_name, name_key
from ..registration.queries import event_organisations
from . import chain
from .models import (CONTRACT_CATEGORIES, KIND_CONFIRMATION, KIND_RECORD, KIND_REVERSAL, LedgerCheckpoint,
                     LedgerEntry, LedgerHead, LedgerTotal, SigningSession)

KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
log = logging.getLogger(__name__)


def _ledger_key() -> str | None:
    return current_app.config.get("LEDGER_KEY") or None


class LedgerError(DomainError):
    pass


@dataclass
class ContractData:
    title: str = ""
    category: str = ""
    amount: str | None = None          # yuan, as typed; ignored when undisclosed
    undisclosed: bool = False
    session_id: int | None = None
    signed_at: datetime | None = None  # aware; now when empty
    parties: list = field(default_factory=list)      # organisation names
    signatories: list = field(default_factory=list)  # names
    note: str = ""


# --- sessions ---------------------------------------------------------------------------------

def add_session(event, *, name_zh, name_en="", room="", starts_at=None, actor) -> SigningSession:
    if not (name_zh or "").strip():
        raise InvalidInput({"name_zh": _("Please enter the session's name.")})
    session = SigningSession(event_id=event.id, name_zh=name_zh.strip()[:200], name_en=(name_en or "").strip()[:200],
                             room=(room or "").strip()[:200], starts_at=starts_at)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "signing_session.create", session, event=event, details={"name": session.name_zh})
    return session


def close_session(event, session, *, actor) -> LedgerCheckpoint:
    """A signing session is over: no new contracts are recorded into it (corrections still are),
    and the ledger's end is written down as a checkpoint."""
    if session.event_id != event.id:
        raise LedgerError("not_found", _("No such signing session in this event."), status=404)
    if session.closed_at is not None:
        raise LedgerError("closed", _("This signing session is already closed."), status=409)
    head = _lock_head(event)
    session.closed_at = now_utc()
    audit.record(actor, "signing_session.close", session, event=event, details={"name": session.name_zh})
    return checkpoint(event, head, reason="session_closed", session=session, actor=actor)


def checkpoint(event, head=None, *, reason, session=None, actor=None) -> LedgerCheckpoint:
    """Write the chain's end down outside the ledger tables (and in the log): a later truncation
    of the tail cannot go unnoticed. Takes the head's lock when not given the head."""
    head = head or _lock_head(event)
    key = _ledger_key()
    point = LedgerCheckpoint(event_id=event.id, seq=head.last_seq, entry_hash=head.last_hash, reason=reason,
                             session_id=getattr(session, "id", None), created_by_id=getattr(actor, "id", None),
                             created_at=now_utc(),
                             mac=chain.checkpoint_mac(key, event.id, head.last_seq, head.last_hash) if key else None)
    db.session.add(point)
    db.session.flush()
    log.info("ledger checkpoint: event %s entry %s hash %s (%s)", event.slug, point.seq, point.entry_hash, reason)
    return point


def checkpoints_of(event) -> list[LedgerCheckpoint]:
    return list(db.session.scalars(select(LedgerCheckpoint).where(LedgerCheckpoint.event_id == event.id)
                                   .order_by(LedgerCheckpoint.id)))


def sessions_of(event) -> list[SigningSession]:
    return list(db.session.scalars(select(SigningSession).where(SigningSession.event_id == event.id)
                                   .order_by(SigningSession.starts_at, SigningSession.id)))


# --- appending --------------------------------------------------------------------------------

def _lock_head(event) -> LedgerHead:
    if not lock_row("ledger_heads", event.id, column="event_id"):
        try:
            with db.session.begin_nested():
                db.session.add(LedgerHead(event_id=event.id, last_seq=0, last_hash=chain.GENESIS,
                                          total_fen=0, contracts=0, undisclosed=0, updated_at=now_utc()))
        except IntegrityError:
            pass  # another request created it first
        lock_row("ledger_heads", event.id, column="event_id")
    return db.session.execute(select(LedgerHead).where(LedgerHead.event_id == event.id)
                              .execution_options(populate_existing=True)).scalar_one()


def _by_key(event, key):
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.event_id == event.id,
                                                       LedgerEntry.idempotency_key == key))


def _begin(event, key) -> tuple[LedgerHead, LedgerEntry | None]:
    """Every append starts here: check the idempotency key, take the lock, and find the entry this
    key already made (a double click or a retry), if any."""
    if not isinstance(key, str) or not KEY.match(key):
        raise LedgerError("idempotency_key", _("The form is incomplete. Please reload the page and try again."))
    head = _lock_head(event)
    return head, _by_key(event, key)


def _append(event, head, actor, key, **values) -> LedgerEntry:
    values = {"parties": [], "signatories": [], "note": "", "title": "", "category": "", **values}
    entry = LedgerEntry(event_id=event.id, seq=head.last_seq + 1, recorded_by_id=actor.id,
                        recorded_by_label=actor.email, recorded_at=now_utc(), prev_hash=head.last_hash,
                        idempotency_key=key, **values)
    entry.hash = chain.entry_hash(entry.prev_hash, entry)
    secret = _ledger_key()
    if secret:
        entry.mac = chain.entry_mac(secret, head.last_mac or head.last_hash, entry)
    db.session.add(entry)
    head.last_seq, head.last_hash, head.last_mac, head.updated_at = entry.seq, entry.hash, entry.mac, entry.recorded_at
    db.session.flush()
    return entry


def _count(head, record: LedgerEntry, sign: int):
    """Add (sign=1) or remove (sign=-1) a record entry from the running totals."""
    total = db.session.scalar(select(LedgerTotal).where(
        LedgerTotal.event_id == record.event_id, LedgerTotal.session_id == record.session_id,
        LedgerTotal.category == record.category))
    if total is None:
        total = LedgerTotal(event_id=record.event_id, session_id=record.session_id, category=record.category,
                            total_fen=0, contracts=0, undisclosed=0)
        db.session.add(total)
    for row in (head, total):
        row.contracts += sign
        if record.amount_fen is None:
            row.undisclosed += sign
        else:
            row.total_fen += sign * record.amount_fen
    db.session.flush()


def _clean(event, data: ContractData, *, correcting: bool = False) -> dict:
    errors = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = _("Please enter the contract's title.")
    elif len(title) > 300:
        errors["title"] = _("The title is too long (at most %(n)d characters).", n=300)
    if data.category not in CONTRACT_CATEGORIES:
        errors["category"] = _("Please choose a category.")
    amount_fen = None
    if not data.undisclosed:
        try:
            amount_fen = parse_cny(data.amount)
            if amount_fen == 0:
                errors["amount"] = _("Enter an amount above zero, or mark the amount as undisclosed.")
        except InvalidInput as exc:
            errors.update(exc.errors)
    session = db.session.get(SigningSession, data.session_id) if isinstance(data.session_id, int) else None
    if session is None or session.event_id != event.id:
        errors["session_id"] = _("Please choose the signing session.")
    elif session.closed_at is not None and not correcting:
        errors["session_id"] = _("This signing session is closed: record the contract in an open session.")
    known = {name_key(o.name): o for o in event_organisations(event)}
    parties, seen = [], set()
    for raw in data.parties or []:
        name = clean_name(raw)
        if not name:
            continue
        org = known.get(name_key(name))
        if org is None:
            errors["parties"] = _("%(name)s does not take part in this event: only registered organisations can sign.",
                                  name=name[:60])
            break
        if org.id not in seen:
            seen.add(org.id)
            parties.append({"id": org.id, "name": org.name})
    if "parties" not in errors and len(parties) < 2:
        errors["parties"] = _("A contract needs at least two different parties.")
    signatories = [" ".join(s.split())[:50] for s in (data.signatories or []) if s and s.strip()][:20]
    if data.signed_at is not None and data.signed_at.tzinfo is None:
        errors["signed_at"] = _("Please enter a date and time.")
    if errors:
        raise InvalidInput(errors)
    return dict(title=title, category=data.category, amount_fen=amount_fen, session_id=session.id,
                signed_at=data.signed_at or now_utc(), parties=parties, signatories=signatories,
                note=(data.note or "").strip()[:2000])


def _counted(record: LedgerEntry) -> bool:
    if record.kind != KIND_RECORD or _follow_up(record, KIND_REVERSAL) is not None:
        return False
    return not record.needs_confirmation or _follow_up(record, KIND_CONFIRMATION) is not None


def _follow_up(record, kind):
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.target_id == record.id, LedgerEntry.kind == kind))


def record(event, data: ContractData, *, actor, key: str) -> tuple[LedgerEntry, bool]:
    """Record a signed contract. Returns (entry, created); a repeated key returns the first entry."""
    values = _clean(event, data)  # before the lock: other writers need not wait for validation
    head, existing = _begin(event, key)
    if existing is not None:
        return existing, False
    entry = _append(event, head, actor, key, kind=KIND_RECORD,
                    needs_confirmation=bool(event.signing_requires_confirmation), **values)
    if not entry.needs_confirmation:
        _count(head, entry, +1)
    audit.record(actor, "ledger.record", entry, event=event,
                 details={"seq": entry.seq, "amount_fen": entry.amount_fen, "title": entry.title})
    return entry, True


def _record_of(event, entry_id) -> LedgerEntry:
    entry = db.session.get(LedgerEntry, entry_id)
    if entry is None or entry.event_id != event.id:
        raise LedgerError("not_found", _("No such entry in this event."), status=404)
    if entry.kind != KIND_RECORD:
        raise LedgerError("not_a_contract", _("Only contract entries can be reversed, corrected or confirmed."))
    return entry


def reverse(event, entry_id: int, *, actor, key: str, reason: str = "") -> tuple[LedgerEntry, bool]:
    """Append a reversal that cancels a contract entry."""
    head, existing = _begin(event, key)
    if existing is not None:
        return existing, False
    target = _record_of(event, entry_id)
    if _follow_up(target, KIND_REVERSAL) is not None:
        raise LedgerError("already_reversed", _("This entry has already been reversed."), status=409)
    was_counted = _counted(target)
    reversal = _append(event, head, actor, key, kind=KIND_REVERSAL, target_id=target.id, title=target.title,
                       category=target.category, amount_fen=target.amount_fen, session_id=target.session_id,
                       signed_at=target.signed_at, parties=target.parties, note=(reason or "").strip()[:2000])
    if was_counted:
        _count(head, target, -1)
    audit.record(actor, "ledger.reverse", reversal, event=event, details={"seq": reversal.seq, "reverses": target.seq})
    return reversal, True


def correct(event, entry_id: int, data: ContractData, *, actor, key: str, reason: str = "") -> tuple[LedgerEntry, bool]:
    """A correction: a reversal of the entry, then a new contract entry that points at it."""
    head, existing = _begin(event, key)
    if existing is not None:
        return existing, False
    values = _clean(event, data, correcting=True)
    target = _record_of(event, entry_id)
    if _follow_up(target, KIND_REVERSAL) is not None:
        raise LedgerError("already_reversed", _("This entry has already been reversed."), status=409)
    reverse(event, target.id, actor=actor, key=f"{key[:60]}.rev", reason=reason or _("correction"))
    head = _lock_head(event)
    entry = _append(event, head, actor, key, kind=KIND_RECORD, target_id=target.id,
                    needs_confirmation=bool(event.signing_requires_confirmation), **values)
    if not entry.needs_confirmation:
        _count(head, entry, +1)
    audit.record(actor, "ledger.correct", entry, event=event, details={"seq": entry.seq, "corrects": target.seq})
    return entry, True


def confirm(event, entry_id: int, *, actor, key: str) -> tuple[LedgerEntry, bool]:
    """A second person confirms a contract entry; from then on it counts."""
    head, existing = _begin(event, key)
    if existing is not None:
        return existing, False
    target = _record_of(event, entry_id)
    if not target.needs_confirmation:
        raise LedgerError("no_confirmation_needed", _("This entry counts without confirmation."))
    if _follow_up(target, KIND_REVERSAL) is not None:
        raise LedgerError("already_reversed", _("This entry has already been reversed."), status=409)
    if _follow_up(target, KIND_CONFIRMATION) is not None:
        raise LedgerError("already_confirmed", _("This entry has already been confirmed."), status=409)
    if target.recorded_by_id == actor.id:
        raise LedgerError("same_person", _("A second person must confirm: you recorded this entry."), status=403)
    confirmation = _append(event, head, actor, key, kind=KIND_CONFIRMATION, target_id=target.id, title=target.title,
                           category=target.category, amount_fen=target.amount_fen, session_id=target.session_id)
    _count(head, target, +1)
    audit.record(actor, "ledger.confirm", confirmation, event=event, details={"confirms": target.seq})
    return confirmation, True


# --- reading ----------------------------------------------------------------------------------

def head_of(event) -> LedgerHead | None:
    return db.session.get(LedgerHead, event.id)


def state_of(entries) -> dict[int, str]:
    """For each record entry: 'counted', 'unconfirmed' or 'reversed'."""
    reversed_ids = {e.target_id for e in entries if e.kind == KIND_REVERSAL}
    confirmed_ids = {e.target_id for e in entries if e.kind == KIND_CONFIRMATION}
    states = {}
    for e in entries:
        if e.kind != KIND_RECORD:
            continue
        if e.id in reversed_ids:
            states[e.id] = "reversed"
        elif e.needs_confirmation and e.id not in confirmed_ids:
            states[e.id] = "unconfirmed"
        else:
            states[e.id] = "counted"
    return states


def summary(event, latest: int = 8) -> dict:
    """What the big screen shows: exact totals and the latest counted signings."""
    head = head_of(event)
    totals = db.session.scalars(select(LedgerTotal).where(LedgerTotal.event_id == event.id)).all()
    by_category, by_session = {}, {}
    for t in totals:
        for bucket, key in ((by_category, t.category), (by_session, t.session_id)):
            row = bucket.setdefault(key, {"total_fen": 0, "contracts": 0, "undisclosed": 0})
            row["total_fen"] += t.total_fen
            row["contracts"] += t.contracts
            row["undisclosed"] += t.undisclosed
    recent = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.event_id == event.id, LedgerEntry.kind == KIND_RECORD)
        .order_by(LedgerEntry.seq.desc()).limit(latest * 4)).all()
    follow = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.target_id.in_([r.id for r in recent]), LedgerEntry.kind != KIND_RECORD)).all() if recent else []
    states = state_of(list(recent) + list(follow))
    latest_counted = [r for r in recent if states.get(r.id) == "counted"][:latest]
    return {
        "seq": head.last_seq if head else 0,
        "total_fen": head.total_fen if head else 0,
        "contracts": head.contracts if head else 0,
        "undisclosed": head.undisclosed if head else 0,
        "by_category": by_category,
        "by_session": by_session,
        "latest": latest_counted,
        "updated_at": head.updated_at if head else None,
    }


def entries_of(event, *, page=1, per_page=50):
    query = select(LedgerEntry).where(LedgerEntry.event_id == event.id).order_by(LedgerEntry.seq.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def entries_page(event, *, page=1, per_page=50):
    """A page of the ledger, newest first, with each record's state and the ``seq`` of every entry
    a row refers to (``seq_by_id``)."""
    entries = entries_of(event, page=max(page or 1, 1), per_page=per_page)
    targets = [e.id for e in entries.items if e.kind == KIND_RECORD]
    follow = db.session.scalars(select(LedgerEntry).where(LedgerEntry.target_id.in_(targets))).all() if targets else []
    shown = list(entries.items) + list(follow)
    seq_by_id = {e.id: e.seq for e in shown}
    missing = {e.target_id for e in entries.items if e.target_id and e.target_id not in seq_by_id}
    if missing:
        seq_by_id.update({e.id: e.seq for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(missing)))})
    return entries, state_of(shown), seq_by_id


def related_entries(entry) -> list[LedgerEntry]:
    """The entries that point at ``entry`` (its reversal, confirmation) and the one it points at."""
    return list(db.session.scalars(select(LedgerEntry).where(
        (LedgerEntry.target_id == entry.id) | (LedgerEntry.id == entry.target_id))))


def session_names(event) -> dict[int, str]:
    return {s.id: s.name_zh for s in sessions_of(event)}


def all_entries(event):
    return db.session.scalars(select(LedgerEntry).where(LedgerEntry.event_id == event.id)
                              .order_by(LedgerEntry.seq).execution_options(yield_per=2000))


def recompute(event) -> dict:
    """The totals computed from the entries alone (exact, in Python integers)."""
    entries = list(all_entries(event))
    states = state_of(entries)
    out = {"total_fen": 0, "contracts": 0, "undisclosed": 0, "groups": {}}
    for e in entries:
        if states.get(e.id) != "counted":
            continue
        group = out["groups"].setdefault((e.session_id, e.category), [0, 0, 0])
        out["contracts"] += 1
        group[1] += 1
        if e.amount_fen is None:
            out["undisclosed"] += 1
            group[2] += 1
        else:
            out["total_fen"] += e.amount_fen
            group[0] += e.amount_fen
    return out


def verify(event, *, known: list[tuple[int, str]] = ()) -> list[str]:
    """Every problem found in the event's chains, checkpoints and totals; an empty list when all is
    well. ``known`` are (seq, hash) pairs kept elsewhere (printed on a press summary)."""
    problems = []
    key = _ledger_key()
    previous_hash, previous_mac, expected_seq, keyed = chain.GENESIS, None, 1, False
    hashes = {0: chain.GENESIS}
    for entry in all_entries(event):
        if entry.seq != expected_seq:
            problems.append(f"entry {entry.seq}: expected sequence number {expected_seq} (an entry is missing)")
        if entry.prev_hash != previous_hash:
            problems.append(f"entry {entry.seq}: does not follow the entry before it")
        if chain.entry_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(f"entry {entry.seq}: its content was changed after it was recorded")
        if entry.mac is not None:
            keyed = True
            if key is None:
                pass  # reported once below
            elif not chain.same(chain.entry_mac(key, previous_mac or previous_hash, entry), entry.mac):
                problems.append(f"entry {entry.seq}: its keyed mac is wrong (changed, forged or out of place)")
        elif keyed:
            problems.append(f"entry {entry.seq}: recorded without the ledger key after keyed entries (forged)")
        previous_hash, previous_mac, expected_seq = entry.hash, entry.mac, entry.seq + 1
        hashes[entry.seq] = entry.hash
    last_seq = expected_seq - 1
    if keyed and key is None:
        problems.append("the ledger is keyed but EVENTOPS_LEDGER_KEY is not set: its macs cannot be checked")
    for point in checkpoints_of(event):
        if point.mac is not None and key is not None and not chain.same(
                chain.checkpoint_mac(key, event.id, point.seq, point.entry_hash), point.mac):
            problems.append(f"checkpoint {point.id}: it was changed after it was written")
        elif point.seq > last_seq:
            problems.append(f"checkpoint {point.id} ({point.reason}) saw entry {point.seq}, but the ledger ends "
                            f"at entry {last_seq}: entries were removed from its end")
        elif hashes.get(point.seq) != point.entry_hash:
            problems.append(f"checkpoint {point.id}: entry {point.seq} is not the entry it saw")
    for seq, entry_hash in known:
        if seq > last_seq:
            problems.append(f"the ledger ends at entry {last_seq}, but entry {seq} was printed: entries were removed")
        elif not hashes.get(seq, "").startswith(entry_hash.lower()):
            problems.append(f"entry {seq} is not the entry printed with hash {entry_hash}")
    head = head_of(event)
    if head is not None:
        if head.last_seq != last_seq or head.last_hash != previous_hash:
            problems.append("the ledger's end does not match its last entry (entries were removed)")
        computed = recompute(event)
        if (head.total_fen, head.contracts, head.undisclosed) != (
                computed["total_fen"], computed["contracts"], computed["undisclosed"]):
            problems.append(f"the running total {head.total_fen} fen / {head.contracts} contracts differs from "
                            f"the entries: {computed['total_fen']} fen / {computed['contracts']} contracts")
        stored = {(t.session_id, t.category): [t.total_fen, t.contracts, t.undisclosed]
                  for t in db.session.scalars(select(LedgerTotal).where(LedgerTotal.event_id == event.id))}
        stored = {k: v for k, v in stored.items() if v != [0, 0, 0]}
        if stored != computed["groups"]:
            problems.append("the totals by session and category differ from the entries")
    return problems


def by_organisation_type(event, org_type="hospital") -> list[tuple[str, dict]]:
    """Counted contracts and their total per organisation of a type (hospitals for the press)."""
    entries = list(all_entries(event))
    states = state_of(entries)
    party_ids = {p["id"] for e in entries for p in e.parties}
    wanted = {o.id: o.name for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(party_ids), Organisation.org_type == org_type))} if party_ids else {}
    rows = {}
    for e in entries:
        if states.get(e.id) != "counted":
            continue
        for party in e.parties:
            if party["id"] in wanted:
                row = rows.setdefault(wanted[party["id"]], {"contracts": 0, "total_fen": 0})
                row["contracts"] += 1
                row["total_fen"] += e.amount_fen or 0
    return sorted(rows.items(), key=lambda kv: -kv[1]["total_fen"])
