"""The platform's public pages under ``/platform``: the home page with its one search box,
汇政策, 看成效 and 院企合作巡礼. Only what a reviewer published is shown; 找PI and the demand
board stay with their event (``/e/<slug>/pis``), the home page opens the current event's."""
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import can_platform
from ..exhibitors import services as exhibitors
from ..events.models import Event
from ..extensions import db
from ..ledger.models import CONTRACT_CATEGORIES
from ..organisations.models import Organisation
from . import charts, policies, reports, results, search
from .common import current_event, vocabulary
from .models import DISTRICTS, LEVELS, VALIDITY, Article, PolicyAttachment

bp = Blueprint("platform", __name__, url_prefix="/platform")


def _arg(name, n=50):
    return (request.args.get(name) or "").strip()[:n]


def _page():
    return max(1, min(request.args.get("page", 1, type=int) or 1, 1000))


def _event_slugs():
    return dict(db.session.execute(db.select(Event.id, Event.slug)).all())


@bp.route("/")
def home():
    q = _arg("q")
    figures = results.alliance()
    return render_template("platform/home.html", q=q, sections=search.everything(q) if q else [],
                           event_slugs=_event_slugs(),
                           event=current_event(), latest_policies=policies.latest(4),
                           articles=reports.column(per_page=3), figures=figures)


# --- 汇政策 -------------------------------------------------------------------------------------

@bp.route("/policies")
def policy_list():
    args = {"q": _arg("q"), "level": _arg("level"), "district": _arg("district"), "issuer": _arg("issuer", 200),
            "topic": _arg("topic"), "validity": _arg("validity")}
    args = {k: v for k, v in args.items() if v}
    page = _page()
    items, total = policies.search(q=args.get("q", ""), level=args.get("level", ""), district=args.get("district", ""),
                                   issuer=args.get("issuer", ""), topic=args.get("topic", ""),
                                   validity_state=args.get("validity", ""), page=page)
    return render_template("platform/policies.html", items=items, total=total, args=args, page=page,
                           pages=max(1, (total + 19) // 20), levels=LEVELS, districts=DISTRICTS, validity=VALIDITY,
                           issuers=policies.issuers(), topics=vocabulary(), state=policies.validity)


def _may_preview(policy) -> bool:
    return can_platform(current_user, "platform.review") or (
        policy.organisation_id is not None and exhibitors.manages(current_user, policy.organisation_id))


@bp.route("/policies/<int:policy_id>")
def policy(policy_id):
    item = db.session.get(policies.Policy, policy_id)
    if item is None or (item.status != "published" and not _may_preview(item)):
        abort(404)
    return render_template("platform/policy.html", policy=item, state=policies.validity(item), validity=VALIDITY,
                           related=policies.related(item), sessions=policies.sessions_of(item),
                           event_slugs=_event_slugs(),
                           articles=reports.about("policy", item.id),
                           pushes=policies.pushes_of(item) if can_platform(current_user, "platform.review") else [])


@bp.route("/policies/<int:policy_id>/files/<int:attachment_id>/<name>")
def attachment(policy_id, attachment_id, name):
    """A policy's PDF: sniffed when uploaded, sent as an attachment with nosniff."""
    item = db.session.get(PolicyAttachment, attachment_id)
    if item is None or item.policy_id != policy_id or (
            item.policy.status != "published" and not _may_preview(item.policy)):
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="policy-{policy_id}-{item.id}.pdf"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600" if item.policy.status == "published" else "no-store"
    return response


# --- 看成效 -------------------------------------------------------------------------------------

def _trace_url(**kw):
    return url_for("platform.trace", **{k: v for k, v in kw.items() if v})


@bp.route("/results")
def alliance():
    figures = results.alliance()
    year_chart = charts.bars((str(y), f.total_fen, f.contracts, f.undisclosed, _trace_url(year=y))
                             for y, f in figures["by_year"].items())
    hospital_chart = charts.bars((o.name, f.total_fen, f.contracts, f.undisclosed, _trace_url(hospital=o.id))
                                 for o, f in figures["hospitals"])
    category_chart = charts.bars((CONTRACT_CATEGORIES.get(c, c), f.total_fen, f.contracts, f.undisclosed,
                                  _trace_url(category=c)) for c, f in figures["by_category"].items())
    return render_template("platform/results.html", figures=figures, year_chart=year_chart,
                           hospital_chart=hospital_chart, category_chart=category_chart,
                           organisations=results.organisations_with_results(),
                           achievements=results.all_achievements(12))


@bp.route("/results/<int:org_id>")
def organisation(org_id):
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    out = results.organisation_results(org)
    if not (out["contracts"] or out["achievements"] or out["trials"]) and org.org_type not in ("hospital", "enterprise"):
        abort(404)
    year_chart = charts.bars((str(y), f.total_fen, f.contracts, f.undisclosed, _trace_url(org=org.id, year=y))
                             for y, f in out["by_year"].items())
    return render_template("platform/organisation.html", org=org, out=out, year_chart=year_chart,
                           articles=reports.about("organisation", org.id),
                           issued=policies.of_organisation_issuer(org), trace_url=_trace_url)


@bp.route("/results/contracts")
def trace():
    """The ledger entries behind a figure: the figure is their sum."""
    org_id = request.args.get("org", type=int)
    hospital_id = request.args.get("hospital", type=int)
    category = _arg("category")
    org = db.session.get(Organisation, org_id) if org_id else None
    hospital = db.session.get(Organisation, hospital_id) if hospital_id else None
    if (org_id and org is None) or (hospital_id and hospital is None) or (category and category not in CONTRACT_CATEGORIES):
        abort(404)
    year = request.args.get("year", type=int)
    event_id = request.args.get("event", type=int)
    items, figure = results.trace(party_id=org_id, year=year, category=category or None, event_id=event_id,
                                  hospital_id=hospital_id)
    return render_template("platform/trace.html", items=items, figure=figure, org=org or hospital, year=year,
                           category=CONTRACT_CATEGORIES.get(category), event_id=event_id)


# --- 院企合作巡礼 -------------------------------------------------------------------------------

@bp.route("/reports")
def report_list():
    q = _arg("q")
    page = _page()
    return render_template("platform/reports.html", items=reports.column(q=q, page=page), q=q, page=page)


@bp.route("/reports/<int:article_id>")
def report(article_id):
    article = db.session.get(Article, article_id)
    if article is None or (article.status != "published" and not can_platform(current_user, "platform.edit")):
        abort(404)
    return render_template("platform/article.html", article=article, html=reports.render(article.body),
                           linked=reports.linked(article))


@bp.app_template_global()
def platform_can(permission):
    return can_platform(current_user, permission)


@bp.app_template_global()
def platform_manages() -> bool:
    """Whether the signed-in user manages an organisation (the nav then links their page)."""
    return bool(exhibitors.managed_organisations(current_user))


@bp.app_template_global()
def platform_current_event():
    return current_event()


@bp.app_template_global()
def validity_label(policy):
    return VALIDITY[policies.validity(policy)]



