"""The demand board: publish a demand → targeted push → one-click link.

A published demand is matched against the published exhibitor profiles of the event. Each
recommendation says why it was made: shared tags, the demand's words found in the counterpart's
specialties or strengths, and complementary sides (a hospital's need, a company's offer).
"""
import heapq

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..accounts.models import OrganisationManager, User
from ..core import audit
from ..core.db import contains
from ..core.errors import DomainError, InvalidInput
from ..core.mail import send_mail
from ..core.timeutil import now_utc
from ..core.urls import absolute_url, site_path
from ..extensions import db
from ..organisations.models import Organisation
from .models import DEMAND_KINDS, Demand, ExhibitorProfile, Notice, Recommendation
from .services import _list, fold

LIMIT = 10
COMPLEMENT = {"hospital": {"enterprise", "service_agency", "university"},
              "enterprise": {"hospital", "university", "service_agency"}}


class DemandError(DomainError):
    pass


def submit(event, organisation, *, kind, title, description="", tags=(), actor) -> Demand:
    errors = {}
    if kind not in DEMAND_KINDS:
        errors["kind"] = _("Please choose the kind of demand.")
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = _("Please enter a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long (at most %(n)d characters).", n=200)
    if len(description or "") > 5000:
        errors["description"] = _("At most %(n)d characters.", n=5000)
    if errors:
        raise InvalidInput(errors)
    demand = Demand(event_id=event.id, organisation_id=organisation.id, kind=kind, title=title,
                    description=(description or "").strip(), tags=_list(tags), status="submitted",
                    submitted_by_id=actor.id, created_at=now_utc())
    db.session.add(demand)
    db.session.flush()
    audit.record(actor, "demand.submit", demand, event=event, details={"title": title})
    return demand


def review(demand, *, publish: bool, actor) -> list[Recommendation]:
    """Publish (and push to the recommended counterparts) or turn down a submitted demand."""
    if demand.status != "submitted":
        raise DemandError("not_submitted", _("Only submitted demands can be reviewed."))
    demand.reviewed_by_id = actor.id
    if not publish:
        demand.status = "rejected"
        db.session.flush()
        audit.record(actor, "demand.reject", demand, event=demand.event)
        return []
    demand.status, demand.published_at = "published", now_utc()
    db.session.flush()
    recommendations = recommend(demand)
    notify(demand, recommendations)
    audit.record(actor, "demand.publish", demand, event=demand.event, details={"recommended": len(recommendations)})
    return recommendations


def shared_topics(topics, tags, specialties, text) -> tuple[list[str], list[str]]:
    """The topics a counterpart shares: those among its tags or specialties (``common``), and the
    others its folded profile text mentions (``found``). The demand board and the platform's
    policy push match by this one rule."""
    common = [t for t in topics if t in tags or t in specialties]
    found = [t for t in topics if t not in common and t.lower() in text]
    return common, found


def _points(demand, terms, tags, specialties, text, org_type):
    """How well a counterpart fits, and the facts behind it (reasons are worded only for the kept)."""
    common, found = shared_topics(demand.tags, tags, specialties, text)
    in_title = [term for term in terms if term in text and term not in common]
    complementary = org_type in COMPLEMENT.get(demand.organisation.org_type, set())
    points = 3.0 * len(common) + 1.5 * len(found) + 1.0 * min(len(in_title), 3) + (1.0 if complementary else 0.0)
    return points, (common, found + in_title, complementary)


def _reasons(demand, profile, facts):
    common, mentioned, complementary = facts
    reasons = []
    if common:
        reasons.append(_("Shared interests: %(tags)s", tags="、".join(common[:5])))
    if mentioned:
        reasons.append(_("Their profile mentions %(terms)s", terms="、".join(mentioned[:4])))
    if complementary:
        reasons.append(_("Complementary sides: %(a)s and %(b)s",
                         a=demand.organisation.org_type_label, b=profile.organisation.org_type_label))
    return reasons


def score(demand, profile) -> tuple[float, list[str]]:
    points, facts = _points(demand, _terms(demand.title), profile.tags, profile.specialties,
                            profile.search_text or "", profile.organisation.org_type)
    return points, _reasons(demand, profile, facts)


def _terms(title):
    """The 2-to-4-character runs of a Chinese title: no tokenizer is needed to find '肿瘤' or
    '核医药' in a specialty list."""
    title = "".join(ch for ch in (title or "").lower() if ch.isalnum())
    terms = set()
    for size in (2, 3, 4):
        terms.update(title[i:i + size] for i in range(len(title) - size + 1))
    return sorted(t for t in terms if not t.isascii() or len(t) >= 4)


def candidates(demand):
    """The other published profiles, as the few columns scoring reads (no ORM objects: a demand
    is scored against thousands of them)."""
    return db.session.execute(
        select(ExhibitorProfile.id, ExhibitorProfile.tags, ExhibitorProfile.specialties,
               ExhibitorProfile.search_text, Organisation.org_type)
        .join(Organisation, ExhibitorProfile.organisation_id == Organisation.id)
        .where(ExhibitorProfile.event_id == demand.event_id, ExhibitorProfile.status == "published",
               ExhibitorProfile.organisation_id != demand.organisation_id)).all()


def recommend(demand, limit=LIMIT) -> list[Recommendation]:
    """(Re)compute the recommendations of a published demand: the best-scoring counterparts that
    share more than a complementary type."""
    db.session.execute(delete(Recommendation).where(Recommendation.demand_id == demand.id))
    terms = _terms(demand.title)
    scored = []
    for profile_id, tags, specialties, text, org_type in candidates(demand):
        points, facts = _points(demand, terms, tags or [], specialties or [], text or "", org_type)
        if points > 1.0:  # a complementary type alone is no reason to push
            scored.append((points, profile_id, facts))
    best = heapq.nsmallest(limit, scored, key=lambda item: (-item[0], item[1]))
    profiles = {p.id: p for p in db.session.scalars(select(ExhibitorProfile).where(
        ExhibitorProfile.id.in_([pid for _p, pid, _f in best])))} if best else {}
    recommendations = [Recommendation(demand_id=demand.id, profile_id=pid, score=points,
                                      reasons=_reasons(demand, profiles[pid], facts), created_at=now_utc())
                       for points, pid, facts in best]
    db.session.add_all(recommendations)
    db.session.flush()
    return recommendations


def push(organisation_id, *, text, endpoint, values, subject, event=None) -> int:
    """The targeted push to one organisation: an in-app notice (``event`` None: a platform-wide
    one) linking to the page ``endpoint`` with ``values`` by its path on this site, and a mail to
    each of its managers with the absolute link. Returns how many managers were mailed."""
    link = absolute_url(endpoint, **values)
    db.session.add(Notice(event_id=getattr(event, "id", None), organisation_id=organisation_id, text=text[:500],
                          link=site_path(endpoint, **values), created_at=now_utc()))
    managers = db.session.scalars(select(User.email).join(OrganisationManager).where(
        OrganisationManager.organisation_id == organisation_id)).all()
    for email in managers:
        send_mail(email, subject, f"{text}\n\n{link}", event=event)
    return len(managers)


def notify(demand, recommendations):
    """The targeted push: an in-app notice and a mail to each recommended organisation's managers."""
    for rec in recommendations:
        text = _("%(org)s published “%(title)s”; you were recommended: %(why)s",
                 org=demand.organisation.name, title=demand.title, why="；".join(rec.reasons))
        push(rec.profile.organisation.id, text=text, endpoint="exhibitors.demand", event=demand.event,
             values={"slug": demand.event.slug, "demand_id": demand.id},
             subject=_("A demand for you: %(title)s", title=demand.title))
    db.session.flush()


def published(event, *, kind="", q=""):
    query = select(Demand).where(Demand.event_id == event.id, Demand.status == "published")
    if kind in DEMAND_KINDS:
        query = query.where(Demand.kind == kind)
    for term in (q or "").split()[:5]:
        query = query.where(contains(Demand.title, fold(term[:50])) | contains(Demand.description, fold(term[:50])))
    return db.session.scalars(query.order_by(Demand.published_at.desc()).limit(200)).all()


def recommendations_of(demand):
    return db.session.scalars(select(Recommendation).where(Recommendation.demand_id == demand.id)
                              .order_by(Recommendation.score.desc())).all()


def notices_for(event, organisation_ids):
    """The notices of an organisation at ``event``, with the platform-wide ones (no event);
    ``event`` None: the platform-wide ones alone."""
    if not organisation_ids:
        return []
    at = Notice.event_id.is_(None) if event is None else (Notice.event_id == event.id) | Notice.event_id.is_(None)
    return db.session.scalars(select(Notice).where(at, Notice.organisation_id.in_(organisation_ids))
                              .order_by(Notice.created_at.desc()).limit(50)).all()


def for_review(event):
    return db.session.scalars(select(Demand).where(Demand.event_id == event.id).order_by(Demand.status.desc(),
                                                                                       Demand.created_at)).all()
