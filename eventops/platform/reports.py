"""院企合作巡礼, the reports column. Rules:

- Organizers write articles in Markdown; an article is a draft until sent for review, and public
  once a reviewer publishes it. An edit to a published article sends it back for review.
- Markdown is rendered with raw HTML off: a ``<script>`` or any other tag in the text is shown as
  text, and links may only go to http(s), mailto or relative addresses.
- An article links to the hospitals and companies it is about, to the contracts (ledger entries)
  and to the policies it tells of; each hospital's results page lists its published articles.
"""
from markdown_it import MarkdownIt
from markupsafe import Markup
from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import now_utc
from ..exhibitors.services import fold
from ..extensions import db
from ..ledger.models import KIND_RECORD, LedgerEntry
from ..organisations import services as organisations
from ..organisations.models import Organisation
from .common import clip, words
from ..core.db import contains
from .models import Article, ArticleLink, Policy

MAX_BODY = 50_000
_SAFE_SCHEMES = ("http:", "https:", "mailto:")


class ReportError(DomainError):
    pass


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

    def validate_link(url: str) -> bool:
        url = url.strip().lower()
        return url.startswith(_SAFE_SCHEMES) or not (":" in url.split("/", 1)[0])
    md.validateLink = validate_link
    return md


_MD = _markdown()


def render(text: str) -> Markup:
    """Markdown to HTML with raw HTML escaped: safe to put in a page as it is."""
    return Markup(_MD.render(text or ""))


def _links_from(data) -> list[tuple[str, int]]:
    """(kind, id) for the organisations (by name), ledger entries (by id) and policies (by id)
    an article names; unknown ones are refused with their field."""
    errors, links = {}, []
    names = data.get("organisations") or []
    for name in names.splitlines() if isinstance(names, str) else names:
        name = " ".join(name.split())
        if not name:
            continue
        org = organisations.find_by_name(name)
        if org is None:
            errors["organisations"] = _("Unknown organisation: %(name)s", name=name[:60])
            break
        links.append(("organisation", org.id))
    for raw in data.get("contracts") or []:
        entry = db.session.get(LedgerEntry, raw) if isinstance(raw, int) else None
        if entry is None or entry.kind != KIND_RECORD:
            errors["contracts"] = _("No signed contract with the number %(id)s.", id=raw)
            break
        links.append(("contract", entry.id))
    for raw in data.get("policies") or []:
        policy = db.session.get(Policy, raw) if isinstance(raw, int) else None
        if policy is None:
            errors["policies"] = _("No policy with the number %(id)s.", id=raw)
            break
        links.append(("policy", policy.id))
    if errors:
        raise InvalidInput(errors)
    return list(dict.fromkeys(links))


def _apply(article, data: dict):
    errors = {}
    title_zh = " ".join((data.get("title_zh") or "").split())
    if not title_zh:
        errors["title_zh"] = _("Please enter the title in Chinese.")
    elif len(title_zh) > 200:
        errors["title_zh"] = _("The title is too long (at most %(n)d characters).", n=200)
    body = (data.get("body") or "").replace("\r\n", "\n")
    if not body.strip():
        errors["body"] = _("Please write the article.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("At most %(n)d characters.", n=MAX_BODY)
    try:
        links = _links_from(data)
    except InvalidInput as exc:
        errors.update(exc.errors)
        links = []
    if errors:
        raise InvalidInput(errors)
    article.title_zh, article.title_en = title_zh, clip(" ".join((data.get("title_en") or "").split()), 200)
    article.summary, article.byline, article.body = clip(data.get("summary"), 500), clip(data.get("byline"), 200), body
    kept = {(link.kind, link.target_id): link for link in article.links}  # unchanged links stay as they are
    article.links = [kept.get(key) or ArticleLink(kind=key[0], target_id=key[1]) for key in links]
    names = [o.name for o in _organisations(article)]
    article.search_text = fold(" ".join([article.title_zh, article.title_en, article.summary, article.byline,
                                         body, *names]))
    article.updated_at = now_utc()


def create(data: dict, *, actor, submit=False) -> Article:
    article = Article(status="submitted" if submit else "draft", author_id=actor.id, created_at=now_utc())
    _apply(article, data)
    db.session.add(article)
    db.session.flush()
    audit.record(actor, "article.create", article, details={"title": article.title_zh, "status": article.status})
    return article


def update(article, data: dict, *, actor, submit=False) -> Article:
    _apply(article, data)
    if submit or article.status in ("published", "rejected"):
        article.status = "submitted"
    db.session.flush()
    audit.record(actor, "article.update", article, details={"status": article.status})
    return article


def review(article, *, publish: bool, note="", actor) -> Article:
    if article.status != "submitted":
        raise ReportError("not_submitted", _("Only articles sent for review can be reviewed."))
    article.status = "published" if publish else "rejected"
    article.reviewed_by_id, article.review_note = actor.id, clip(note, 500)
    if publish:
        article.published_at = article.published_at or now_utc()
    db.session.flush()
    audit.record(actor, "article.publish" if publish else "article.reject", article)
    return article


def _ids(article, kind):
    return [link.target_id for link in article.links if link.kind == kind]


def _organisations(article):
    ids = _ids(article, "organisation")
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))) if ids else []


def linked(article) -> dict:
    """What the article links to: organisations, contracts (with their state), policies."""
    contracts = _ids(article, "contract")
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(contracts))).all() if contracts else []
    reversed_ids = set(db.session.scalars(select(LedgerEntry.target_id).where(
        LedgerEntry.target_id.in_(contracts), LedgerEntry.kind == "reversal"))) if contracts else set()
    policies = _ids(article, "policy")
    return {"organisations": _organisations(article),
            "contracts": [(e, e.id in reversed_ids) for e in entries],
            "policies": list(db.session.scalars(select(Policy).where(Policy.id.in_(policies),
                                                                     Policy.status == "published"))) if policies else []}


def published(article_id) -> Article | None:
    article = db.session.get(Article, article_id) if isinstance(article_id, int) else None
    return article if article is not None and article.status == "published" else None


def column(*, q="", page=1, per_page=20):
    query = select(Article).where(Article.status == "published")
    for term in words(q):
        query = query.where(contains(Article.search_text, term))
    return db.session.scalars(query.order_by(Article.published_at.desc(), Article.id.desc())
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()


def about(kind, target_id):
    """The published articles linked to an organisation, a contract or a policy."""
    return db.session.scalars(select(Article).join(ArticleLink).where(
        Article.status == "published", ArticleLink.kind == kind, ArticleLink.target_id == target_id)
        .order_by(Article.published_at.desc())).all()


def for_review():
    return db.session.scalars(select(Article).order_by(Article.status != "submitted", Article.updated_at.desc())
                              .limit(300)).all()


def form_values(article) -> dict:
    """An article's fields as the editing form shows them."""
    orgs = _organisations(article)
    return {"title_zh": article.title_zh, "title_en": article.title_en, "summary": article.summary,
            "byline": article.byline, "body": article.body,
            "organisations": "\n".join(o.name for o in orgs),
            "contracts": _ids(article, "contract"), "policies": _ids(article, "policy")}
