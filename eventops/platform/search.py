"""The one search box of the platform's home page, across all it holds: policies, PIs, demands,
exhibitors, results (hospitals and companies), clinical trials, achievements and articles. Each
section keeps its own few best rows and says how many there are."""
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from ..core.db import contains
from ..exhibitors.models import Demand, ExhibitorProfile, PrincipalInvestigator
from ..extensions import db
from ..organisations.models import Organisation
from . import policies, reports, results
from .common import published_event_ids, words
from .models import Achievement, ClinicalTrial

PER_SECTION = 8


@dataclass
class Section:
    key: str
    items: list = field(default_factory=list)
    total: int = 0


def _count(query):
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _matching(query, columns, terms):
    for term in terms:
        query = query.where(or_(*[contains(c, term) for c in columns]))
    return query


def everything(q: str) -> list[Section]:
    terms = words(q)
    if not terms:
        return []
    events = published_event_ids()
    sections = []

    items, total = policies.search(q=q, per_page=PER_SECTION)
    sections.append(Section("policies", items, total))

    query = _matching(select(PrincipalInvestigator).where(PrincipalInvestigator.event_id.in_(events)),
                      [PrincipalInvestigator.search_text], terms)
    pis, seen = [], set()
    for pi in db.session.scalars(query.order_by(PrincipalInvestigator.event_id.desc(), PrincipalInvestigator.name)
                                 .limit(PER_SECTION * 4)):
        if (pi.hospital_id, pi.name) not in seen and len(pis) < PER_SECTION:
            seen.add((pi.hospital_id, pi.name))
            pis.append(pi)
    sections.append(Section("pis", pis, _count(query)))

    query = _matching(select(Demand).where(Demand.event_id.in_(events), Demand.status == "published"),
                      [func.lower(Demand.title), func.lower(Demand.description)], terms)
    sections.append(Section("demands", db.session.scalars(query.order_by(Demand.published_at.desc())
                                                          .limit(PER_SECTION)).all(), _count(query)))

    query = _matching(select(ExhibitorProfile).where(ExhibitorProfile.event_id.in_(events),
                                                    ExhibitorProfile.status == "published"),
                      [ExhibitorProfile.search_text], terms)
    profiles, seen = [], set()
    for p in db.session.scalars(query.order_by(ExhibitorProfile.event_id.desc()).limit(PER_SECTION * 4)):
        if p.organisation_id not in seen and len(profiles) < PER_SECTION:
            seen.add(p.organisation_id)
            profiles.append(p)
    sections.append(Section("exhibitors", profiles, _count(query)))

    with_results = {o.id for o in results.organisations_with_results()}
    orgs = [o for o in db.session.scalars(_matching(select(Organisation).where(
        Organisation.id.in_(with_results)), [Organisation.name_key], terms).order_by(Organisation.name))] \
        if with_results else []
    sections.append(Section("results", orgs[:PER_SECTION], len(orgs)))

    query = _matching(select(ClinicalTrial).join(Organisation).where(ClinicalTrial.status == "published"),
                      [func.lower(ClinicalTrial.title), func.lower(ClinicalTrial.registration_no),
                       func.lower(ClinicalTrial.sponsor), Organisation.name_key], terms)
    sections.append(Section("trials", db.session.scalars(query.limit(PER_SECTION)).all(), _count(query)))

    query = _matching(select(Achievement).join(Organisation),
                      [func.lower(Achievement.title_zh), func.lower(Achievement.title_en),
                       func.lower(Achievement.summary), Organisation.name_key], terms)
    sections.append(Section("achievements", db.session.scalars(query.limit(PER_SECTION)).all(), _count(query)))

    articles = reports.column(q=q, per_page=PER_SECTION)
    sections.append(Section("articles", articles, _count(_matching(
        select(reports.Article).where(reports.Article.status == "published"), [reports.Article.search_text], terms))))
    return sections
