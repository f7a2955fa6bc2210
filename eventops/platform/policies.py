"""汇政策, the policy hub. Rules:

- Organizers and the managers of government departments and industry associations submit policy
  entries; nothing is public before a platform reviewer publishes it, and an edit to a published
  entry sends it back for review.
- Topics come from the vocabulary demands, PIs and exhibitors are tagged with (common.vocabulary),
  so a policy's page finds the PIs, demands and exhibitors that share them.
- Publishing pushes the policy (a notice and a mail, as the demand board does) to the managers of
  the organisations whose interests match, each with its reasons; never twice to one organisation.
- Attachments are PDFs, the type read from the bytes (exhibitors.services.sniff).

Services flush; the caller commits once.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy import update as sql_update

from ..accounts.models import OrganisationManager
from ..accounts.permissions import can_platform
from ..core import audit
from ..core.db import contains
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import now_utc
from ..exhibitors import demands as demand_board
from ..exhibitors.models import Demand, ExhibitorProfile, PrincipalInvestigator
from ..exhibitors.services import fold, sniff
from ..extensions import db
from ..meetings.models import ProgrammeSession
from ..organisations.models import Organisation
from .common import checked_topics, clip, parse_date, published_event_ids, today, words
from .models import DISTRICTS, LEVELS, VALIDITY, Policy, PolicyAttachment, PolicyPush, PolicySession

MAX_ATTACHMENT = 10 * 1024 * 1024
#: "expiring": the validity ends within this many days
EXPIRING_DAYS = 90
RELATED_LIMIT = 12


class PolicyError(DomainError):
    pass


@dataclass
class PolicyData:
    title_zh: str = ""
    title_en: str = ""
    issuer: str = ""
    level: str = ""
    district: str = ""
    document_no: str = ""
    issued_on: object = None      # date or "YYYY-MM-DD"
    valid_from: object = None
    valid_until: object = None
    topics: list = field(default_factory=list)
    summary_zh: str = ""
    summary_en: str = ""
    source_url: str = ""


def _clean(data: PolicyData) -> dict:
    errors = {}
    title_zh = " ".join((data.title_zh or "").split())
    if not title_zh:
        errors["title_zh"] = _("Please enter the title in Chinese.")
    elif len(title_zh) > 300:
        errors["title_zh"] = _("The title is too long (at most %(n)d characters).", n=300)
    title_en = " ".join((data.title_en or "").split())
    if len(title_en) > 300:
        errors["title_en"] = _("The title is too long (at most %(n)d characters).", n=300)
    issuer = " ".join((data.issuer or "").split())
    if not issuer:
        errors["issuer"] = _("Please enter the issuing body.")
    elif len(issuer) > 200:
        errors["issuer"] = _("At most %(n)d characters.", n=200)
    if data.level not in LEVELS:
        errors["level"] = _("Please choose the level.")
    district = (data.district or "").strip().removesuffix("区")
    if data.level == "district":
        if district not in DISTRICTS:
            errors["district"] = _("Please choose the district.")
    else:
        district = ""
    issued_on, e1 = parse_date(data.issued_on, "issued_on", required=True)
    valid_from, e2 = parse_date(data.valid_from, "valid_from")
    valid_until, e3 = parse_date(data.valid_until, "valid_until")
    errors.update(e1 | e2 | e3)
    if valid_until and (valid_from or issued_on) and valid_until < (valid_from or issued_on):
        errors["valid_until"] = _("The validity must end after it begins.")
    topics = checked_topics(data.topics, errors)
    if not topics and "topics" not in errors:
        errors["topics"] = _("Please choose at least one topic.")
    url = (data.source_url or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500 or any(c.isspace() for c in url):
            errors["source_url"] = _("Enter the address of the original, starting with https:// or http://.")
    for name in ("summary_zh", "summary_en"):
        if len(getattr(data, name) or "") > 5000:
            errors[name] = _("At most %(n)d characters.", n=5000)
    if errors:
        raise InvalidInput(errors)
    return dict(title_zh=title_zh, title_en=title_en, issuer=issuer, level=data.level, district=district,
                document_no=clip(data.document_no, 100), issued_on=issued_on, valid_from=valid_from,
                valid_until=valid_until, topics=topics, summary_zh=(data.summary_zh or "").strip(),
                summary_en=(data.summary_en or "").strip(), source_url=url)


def _index(policy):
    policy.search_text = fold(" ".join([policy.title_zh, policy.title_en, policy.issuer, policy.document_no,
                                        policy.district, *policy.topics, policy.summary_zh, policy.summary_en]))


def submit(data: PolicyData, *, actor, organisation=None) -> Policy:
    """A new entry, waiting for review. ``organisation``: the department or association whose
    manager submits it."""
    values = _clean(data)
    policy = Policy(**values, status="submitted", organisation_id=getattr(organisation, "id", None),
                    submitted_by_id=actor.id, created_at=now_utc(), updated_at=now_utc())
    _index(policy)
    db.session.add(policy)
    db.session.flush()
    audit.record(actor, "policy.submit", policy, details={"title": policy.title_zh})
    return policy


def update(policy, data: PolicyData, *, actor) -> Policy:
    """Save an edit; a published entry goes back for review (nothing unreviewed is public)."""
    for name, value in _clean(data).items():
        setattr(policy, name, value)
    _index(policy)
    policy.updated_at = now_utc()
    if policy.status in ("published", "rejected"):
        policy.status = "submitted"
    db.session.flush()
    audit.record(actor, "policy.update", policy, details={"status": policy.status})
    return policy


def review(policy, *, publish: bool, note="", actor) -> list[PolicyPush]:
    """Publish (and push to the organisations whose interests match) or return an entry."""
    # a conditional UPDATE: of two reviewers deciding at once, exactly one does (and pushes)
    db.session.flush()
    decided = db.session.execute(sql_update(Policy).where(Policy.id == policy.id, Policy.status == "submitted").values(
        status="published" if publish else "rejected", reviewed_by_id=actor.id, reviewed_at=now_utc(),
        review_note=clip(note, 500)).execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        db.session.refresh(policy)
        raise PolicyError("not_submitted", _("Only entries awaiting review can be reviewed."), status=409)
    db.session.refresh(policy)
    if not publish:
        audit.record(actor, "policy.reject", policy, details={"note": policy.review_note})
        return []
    policy.published_at = policy.published_at or now_utc()
    db.session.flush()
    pushes = push(policy)
    audit.record(actor, "policy.publish", policy, details={"pushed": len(pushes)})
    return pushes


# --- the targeted push ------------------------------------------------------------------------

def interests() -> dict[int, dict]:
    """What each organisation with managers is known to care about, from what the events hold:
    the tags and specialties of its published exhibitor profiles (and their text), the tags of its
    published demands, the research areas of its PIs."""
    managed = set(db.session.scalars(select(OrganisationManager.organisation_id).distinct()))
    out = {org_id: {"tags": set(), "text": "", "demands": [], "pis": set()} for org_id in managed}
    if not out:
        return out
    events = published_event_ids()
    for org_id, tags, specialties, text in db.session.execute(
            select(ExhibitorProfile.organisation_id, ExhibitorProfile.tags, ExhibitorProfile.specialties,
                   ExhibitorProfile.search_text).where(ExhibitorProfile.status == "published",
                                                      ExhibitorProfile.event_id.in_(events),
                                                      ExhibitorProfile.organisation_id.in_(managed))):
        out[org_id]["tags"].update(tags or [], specialties or [])
        out[org_id]["text"] += " " + (text or "")
    for org_id, title, tags in db.session.execute(
            select(Demand.organisation_id, Demand.title, Demand.tags).where(
                Demand.status == "published", Demand.event_id.in_(events), Demand.organisation_id.in_(managed))):
        out[org_id]["demands"].append((title, tags or []))
    for org_id, areas in db.session.execute(
            select(PrincipalInvestigator.hospital_id, PrincipalInvestigator.research_areas).where(
                PrincipalInvestigator.event_id.in_(events), PrincipalInvestigator.hospital_id.in_(managed))):
        out[org_id]["pis"].update(areas or [])
    return out


def reasons_for(policy, interest: dict) -> list[str]:
    """Why an organisation should hear of a policy; empty: it should not."""
    topics = list(policy.topics)
    common, found = demand_board.shared_topics(topics, interest["tags"], (), interest["text"])
    reasons = []
    if common:
        reasons.append(_("Shared interests: %(tags)s", tags="、".join(common[:5])))
    if found:
        reasons.append(_("Your profile mentions %(terms)s", terms="、".join(found[:4])))
    for title, tags in interest["demands"]:
        shared = [t for t in topics if t in tags]
        if shared:
            reasons.append(_("Your demand “%(title)s” concerns %(tags)s", title=title[:60], tags="、".join(shared[:3])))
            break
    pi_topics = [t for t in topics if t in interest["pis"]]
    if pi_topics:
        reasons.append(_("Your PIs work on %(tags)s", tags="、".join(pi_topics[:3])))
    return reasons


def push(policy) -> list[PolicyPush]:
    """Tell the managers of every organisation whose interests match (not the one that submitted
    it), once per organisation, with the reasons."""
    already = set(db.session.scalars(select(PolicyPush.organisation_id).where(PolicyPush.policy_id == policy.id)))
    pushes = []
    for org_id, interest in sorted(interests().items()):
        if org_id in already or org_id == policy.organisation_id:
            continue
        reasons = reasons_for(policy, interest)
        if not reasons:
            continue
        text = _("New policy “%(title)s” (%(issuer)s); why you: %(why)s", title=policy.title_zh,
                 issuer=policy.issuer, why="；".join(reasons))
        mailed = demand_board.push(org_id, text=text, endpoint="platform.policy", values={"policy_id": policy.id},
                                   subject=_("A policy for you: %(title)s", title=policy.title_zh))
        pushes.append(PolicyPush(policy_id=policy.id, organisation_id=org_id, reasons=reasons, managers=mailed,
                                 created_at=now_utc()))
    db.session.add_all(pushes)
    db.session.flush()
    return pushes


def pushes_of(policy) -> list[PolicyPush]:
    return db.session.scalars(select(PolicyPush).where(PolicyPush.policy_id == policy.id)
                              .order_by(PolicyPush.id)).all()


# --- attachments ------------------------------------------------------------------------------

def attach(policy, filename, data: bytes, *, actor) -> PolicyAttachment:
    """Keep a PDF (10 MB); the type comes from the bytes, never from the name or the browser."""
    if not data:
        raise PolicyError("empty", _("The file is empty."), field="file")
    if len(data) > MAX_ATTACHMENT:
        raise PolicyError("too_large", _("The file is larger than %(mb)d MB.", mb=MAX_ATTACHMENT // (1024 * 1024)),
                          field="file")
    if sniff(data) != "application/pdf":
        raise PolicyError("type", _("An attachment must be a PDF file."), field="file")
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]  # the browser's path is not ours to keep
    name = "".join(ch for ch in base if ch.isprintable() and ch != '"')[-100:] or "policy.pdf"
    attachment = PolicyAttachment(policy_id=policy.id, filename=name, content_type="application/pdf", size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=actor.id,
                                  created_at=now_utc())
    db.session.add(attachment)
    if policy.status == "published" and not can_platform(actor, "platform.review"):
        policy.status = "submitted"  # nothing unreviewed is public
    db.session.flush()
    audit.record(actor, "policy.attach", attachment, details={"policy": policy.id, "size": len(data)})
    return attachment


# --- programme sessions -----------------------------------------------------------------------

def link_session(policy, session_id, *, actor) -> PolicySession:
    """Present a policy at a policy-interpretation session of an event's programme."""
    session = db.session.get(ProgrammeSession, session_id) if isinstance(session_id, int) else None
    if session is None or session.kind != "policy":
        raise PolicyError("not_policy_session", _("Choose a session of the kind “policy interpretation”."),
                          field="session_id")
    existing = db.session.scalar(select(PolicySession).where(PolicySession.policy_id == policy.id,
                                                             PolicySession.session_id == session.id))
    if existing:
        return existing
    link = PolicySession(policy_id=policy.id, session_id=session.id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "policy.session", policy, event=None, details={"session": session.id})
    return link


def interpretation_sessions():
    """Every policy-interpretation session of the installation's events, newest first."""
    return db.session.scalars(select(ProgrammeSession).where(ProgrammeSession.kind == "policy")
                              .order_by(ProgrammeSession.starts_at.desc())).all()


def sessions_of(policy):
    return db.session.scalars(select(ProgrammeSession).join(PolicySession).where(PolicySession.policy_id == policy.id)
                              .order_by(ProgrammeSession.starts_at)).all()


# --- reading ----------------------------------------------------------------------------------

def validity(policy, on=None) -> str:
    """'current', 'expiring' (ends within EXPIRING_DAYS), 'expired' or 'upcoming'."""
    on = on or today()
    if policy.valid_until and policy.valid_until < on:
        return "expired"
    if policy.valid_from and policy.valid_from > on:
        return "upcoming"
    if policy.valid_until and policy.valid_until <= on + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "current"


def _validity_clause(state, on):
    soon = on + timedelta(days=EXPIRING_DAYS)
    if state == "expired":
        return Policy.valid_until < on
    if state == "upcoming":
        return Policy.valid_from > on
    started = or_(Policy.valid_from.is_(None), Policy.valid_from <= on)
    if state == "expiring":
        return started & (Policy.valid_until >= on) & (Policy.valid_until <= soon)
    return started & or_(Policy.valid_until.is_(None), Policy.valid_until > soon)  # current


def search(*, q="", level="", district="", issuer="", topic="", validity_state="", page=1, per_page=20):
    """Published entries by words (title, body, number, topics, summary), level and district,
    issuing body, topic and validity; newest first. Returns (page of entries, total)."""
    query = select(Policy).where(Policy.status == "published")
    for term in words(q):
        query = query.where(contains(Policy.search_text, term))
    if level in LEVELS:
        query = query.where(Policy.level == level)
    if district in DISTRICTS:
        query = query.where(Policy.district == district)
    if issuer:
        query = query.where(Policy.issuer == issuer[:200])
    if topic:
        query = query.where(contains(Policy.search_text, fold(topic[:50])))
    if validity_state in VALIDITY:
        query = query.where(_validity_clause(validity_state, today()))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(Policy.issued_on.desc(), Policy.id.desc())
                               .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return items, total


def issuers() -> list[str]:
    """The issuing bodies of published entries, for the filter."""
    return list(db.session.scalars(select(Policy.issuer).where(Policy.status == "published").distinct()
                                   .order_by(Policy.issuer)))


def published(policy_id) -> Policy | None:
    policy = db.session.get(Policy, policy_id) if isinstance(policy_id, int) else None
    return policy if policy is not None and policy.status == "published" else None


def latest(limit=5):
    return db.session.scalars(select(Policy).where(Policy.status == "published")
                              .order_by(Policy.published_at.desc(), Policy.id.desc()).limit(limit)).all()


def for_review():
    return db.session.scalars(select(Policy).order_by(Policy.status != "submitted", Policy.updated_at.desc())
                              .limit(300)).all()


def submitted_by(organisation_ids):
    if not organisation_ids:
        return []
    return db.session.scalars(select(Policy).where(Policy.organisation_id.in_(organisation_ids))
                              .order_by(Policy.updated_at.desc())).all()


def _newest_first(rows, key):
    """Keep the newest row per ``key`` (rows come newest event first)."""
    seen, out = set(), []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def related(policy, limit=RELATED_LIMIT) -> dict:
    """The PIs, demands and exhibitors of the published events that share the policy's topics,
    each with the topics it shares, best first; a PI or exhibitor seen at several events once."""
    topics = list(policy.topics)
    if not topics:
        return {"pis": [], "demands": [], "exhibitors": []}
    events = published_event_ids()

    def any_topic(column):
        return or_(*[contains(column, fold(t)) for t in topics])

    pis = db.session.scalars(select(PrincipalInvestigator).where(
        PrincipalInvestigator.event_id.in_(events), any_topic(PrincipalInvestigator.search_text))
        .order_by(PrincipalInvestigator.event_id.desc(), PrincipalInvestigator.name).limit(500)).all()
    pis = _newest_first(pis, lambda p: (p.hospital_id, p.name))
    demands = db.session.scalars(select(Demand).where(Demand.event_id.in_(events), Demand.status == "published")
                                 .order_by(Demand.published_at.desc()).limit(500)).all()
    profiles = db.session.scalars(select(ExhibitorProfile).where(
        ExhibitorProfile.event_id.in_(events), ExhibitorProfile.status == "published",
        any_topic(ExhibitorProfile.search_text)).order_by(ExhibitorProfile.event_id.desc()).limit(500)).all()
    profiles = _newest_first(profiles, lambda p: p.organisation_id)

    def ranked(rows, shares, weight=lambda item: len(item[1])):
        scored = [(row, shares(row)) for row in rows]
        scored = [(row, s) for row, s in scored if s]
        scored.sort(key=lambda item: -weight(item))  # stable: ties keep the newest first
        return scored[:limit]

    def pi_weight(item):
        pi, shared = item  # a research area counts more than a word in the PI's experience
        return sum(2 if t in pi.research_areas or t == pi.specialty else 1 for t in shared)

    return {
        "pis": ranked(pis, lambda p: [t for t in topics if t in p.research_areas or fold(t) in p.search_text],
                      pi_weight),
        "demands": ranked(demands, lambda d: [t for t in topics if t in d.tags]),
        "exhibitors": ranked(profiles, lambda p: sum(demand_board.shared_topics(
            topics, p.tags, p.specialties, p.search_text or ""), [])),
    }


def of_organisation_issuer(organisation: Organisation):
    """Published policies a department or association submitted."""
    return db.session.scalars(select(Policy).where(Policy.status == "published",
                                                   Policy.organisation_id == organisation.id)
                              .order_by(Policy.issued_on.desc())).all()
