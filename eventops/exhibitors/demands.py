"""The demand board: publish a demand → targeted push → one-click link.

A published demand is matched against the published exhibitor profiles of the event. Each
recommendation says why it was made: shared tags, the demand's words found in the counterpart's
specialties or strengths, and complementary sides (a hospital's need, a company's offer).
"""
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..accounts.models import OrganisationManager, User
from ..core import audit
from ..core.errors import DomainError, InvalidInput
from ..core.mail import send_mail
from ..core.timeutil import now_utc
from ..core.urls import absolute_url
from ..extensions import db
from .models import DEMAND_KINDS, Demand, ExhibitorProfile, Notice, Recommendation
from .services import _list, like

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


def score(demand, profile) -> tuple[float, list[str]]:
    reasons, points = [], 0.0
    common = [t for t in demand.tags if t in profile.tags or t in profile.specialties]
    if common:
        points += 3.0 * len(common)
        reasons.append(_("Shared interests: %(tags)s", tags="、".join(common[:5])))
    text = profile.search_text or ""
    found = [t for t in demand.tags if t not in common and t.lower() in text]
    title_terms = [term for term in _terms(demand.title) if term in text and term not in common]
    if found or title_terms:
        terms = (found + title_terms)[:4]
        points += 1.5 * len(found) + 1.0 * min(len(title_terms), 3)
        reasons.append(_("Their profile mentions %(terms)s", terms="、".join(terms)))
    demand_type, profile_type = demand.organisation.org_type, profile.organisation.org_type
    if profile_type in COMPLEMENT.get(demand_type, set()):
        points += 1.0
        reasons.append(_("Complementary sides: %(a)s and %(b)s",
                         a=demand.organisation.org_type_label, b=profile.organisation.org_type_label))
    return points, reasons


def _terms(title):
    """The 2-to-4-character runs of a Chinese title: no tokenizer is needed to find '肿瘤' or
    '核医药' in a specialty list."""
    title = "".join(ch for ch in (title or "").lower() if ch.isalnum())
    terms = set()
    for size in (2, 3, 4):
        terms.update(title[i:i + size] for i in range(len(title) - size + 1))
    return sorted(t for t in terms if not t.isascii() or len(t) >= 4)


def candidates(demand):
    return db.session.scalars(select(ExhibitorProfile).where(
        ExhibitorProfile.event_id == demand.event_id, ExhibitorProfile.status == "published",
        ExhibitorProfile.organisation_id != demand.organisation_id)).all()


def recommend(demand, limit=LIMIT) -> list[Recommendation]:
    """(Re)compute the recommendations of a published demand: the best-scoring counterparts that
    share more than a complementary type."""
    db.session.execute(delete(Recommendation).where(Recommendation.demand_id == demand.id))
    scored = []
    for profile in candidates(demand):
        points, reasons = score(demand, profile)
        if points > 1.0:  # a complementary type alone is no reason to push
            scored.append((points, profile, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].organisation.name))
    recommendations = [Recommendation(demand_id=demand.id, profile_id=p.id, score=points, reasons=reasons,
                                      created_at=now_utc()) for points, p, reasons in scored[:limit]]
    db.session.add_all(recommendations)
    db.session.flush()
    return recommendations


def notify(demand, recommendations):
    """The targeted push: an in-app notice and a mail to each recommended organisation's managers."""
    link = absolute_url("exhibitors.demand", slug=demand.event.slug, demand_id=demand.id)
    for rec in recommendations:
        org = rec.profile.organisation
        text = _("%(org)s published “%(title)s”; you were recommended: %(why)s",
                 org=demand.organisation.name, title=demand.title, why="；".join(rec.reasons))
        db.session.add(Notice(event_id=demand.event_id, organisation_id=org.id, text=text[:500], link=link,
                              created_at=now_utc()))
        managers = db.session.scalars(select(User.email).join(OrganisationManager).where(
            OrganisationManager.organisation_id == org.id)).all()
        for email in managers:
            send_mail(email, _("A demand for you: %(title)s", title=demand.title), f"{text}\n\n{link}",
                      event=demand.event)
    db.session.flush()


def published(event, *, kind="", q=""):
    query = select(Demand).where(Demand.event_id == event.id, Demand.status == "published")
    if kind in DEMAND_KINDS:
        query = query.where(Demand.kind == kind)
    for term in (q or "").split()[:5]:
        query = query.where(Demand.title.like(like(term[:50]), escape="\\") | Demand.description.like(like(term[:50]), escape="\\"))
    return db.session.scalars(query.order_by(Demand.published_at.desc()).limit(200)).all()


def recommendations_of(demand):
    return db.session.scalars(select(Recommendation).where(Recommendation.demand_id == demand.id)
                              .order_by(Recommendation.score.desc())).all()


def notices_for(event, organisation_ids):
    if not organisation_ids:
        return []
    return db.session.scalars(select(Notice).where(Notice.event_id == event.id, Notice.organisation_id.in_(organisation_ids))
                              .order_by(Notice.created_at.desc()).limit(50)).all()


def for_review(event):
    return db.session.scalars(select(Demand).where(Demand.event_id == event.id).order_by(Demand.status.desc(),
                                                                                       Demand.created_at)).all()
