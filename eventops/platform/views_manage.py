"""The platform's back office under ``/platform/manage`` (organizers: review and publish
policies, trials and articles; enter achievements; link policy-interpretation sessions) and the
managers' page under ``/platform/mine`` (departments and associations submit policies, hospitals
enter their clinical trials; everyone sees the platform's notices)."""
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.permissions import can_platform
from ..core.forms import ActionForm
from ..core.views import perform, render_form
from ..events.models import Event
from ..exhibitors import demands as demand_board
from ..exhibitors import services as exhibitors
from ..extensions import db
from ..organisations import services as organisations
from ..organisations.models import Organisation
from . import policies, reports, results
from .common import vocabulary
from .forms import (AchievementForm, ArticleForm, AttachmentForm, PolicyForm, ReviewForm, SessionLinkForm, StageForm,
                    TrialForm, article_data, policy_data)
from .models import Achievement, Article, ClinicalTrial, Policy

bp = Blueprint("platform_manage", __name__, url_prefix="/platform")


def platform_view(permission):
    """A back-office page: sign-in needed (401 → login page), then ``permission`` (403)."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not can_platform(current_user, permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _get(model, object_id):
    row = db.session.get(model, object_id)
    if row is None:
        abort(404)
    return row


def _review(review, item):
    """An editor's decision on ``item`` (publish, or return to the author with a note)."""
    publish = request.form.get("decision") == "publish"
    perform(lambda: review(item, publish=publish, note=request.form.get("note", ""), actor=current_user),
            _("Published.") if publish else _("Returned to the author."))


def _topics(form):
    form.topics.choices = [(t, t) for t in vocabulary()]
    return form


def _policy_form(policy=None):
    form = _topics(PolicyForm(formdata=None, obj=policy) if policy is not None and request.method == "GET"
                   else PolicyForm())
    if policy is not None and request.method == "GET":
        for name in ("issued_on", "valid_from", "valid_until"):
            value = getattr(policy, name)
            getattr(form, name).data = value.isoformat() if value else ""
    return form


@bp.route("/manage/")
@platform_view("platform.edit")
def index():
    return render_template("platform/manage.html", policies=policies.for_review(), trials=results.trials_for_review(),
                           articles=reports.for_review(), review_form=ReviewForm(), action_form=ActionForm())


# --- policies ---------------------------------------------------------------------------------

def _policy_page(policy, form, **extra):
    sessions = policies.interpretation_sessions()
    link_form = extra.pop("link_form", None) or SessionLinkForm()
    link_form.session_id.choices = [(s.id, f"{s.title_zh} · {s.starts_at:%Y-%m-%d}") for s in sessions]
    return render_form("platform/policy_form.html", policy=policy, form=form, link_form=link_form,
                       attachment_form=extra.pop("attachment_form", None) or AttachmentForm(),
                       review_form=ReviewForm(), linked_sessions=policies.sessions_of(policy) if policy else [],
                       pushes=policies.pushes_of(policy) if policy else [], **extra)


@bp.route("/manage/policies/new", methods=["GET", "POST"])
@platform_view("platform.review")
def new_policy():
    form = _policy_form()
    if form.validate_on_submit():
        done = perform(lambda: policies.submit(policy_data(form), actor=current_user),
                       _("Saved. The entry is public once it has been reviewed."), form=form)
        if done:
            return redirect(url_for("platform_manage.edit_policy", policy_id=done.value.id))
    return _policy_page(None, form)


@bp.route("/manage/policies/<int:policy_id>", methods=["GET", "POST"])
@platform_view("platform.review")
def edit_policy(policy_id):
    policy = _get(Policy, policy_id)
    form = _policy_form(policy)
    if request.method == "POST" and form.validate_on_submit() and perform(
            lambda: policies.update(policy, policy_data(form), actor=current_user), _("Saved."), form=form):
        return redirect(url_for("platform_manage.edit_policy", policy_id=policy.id))
    return _policy_page(policy, form)


@bp.route("/manage/policies/<int:policy_id>/review", methods=["POST"])
@platform_view("platform.review")
def review_policy(policy_id):
    policy = _get(Policy, policy_id)
    form = ReviewForm()
    publish = request.form.get("decision") == "publish"
    perform(lambda: policies.review(policy, publish=publish, note=form.note.data, actor=current_user),
            lambda pushes: _("Published; pushed to %(n)d organisations.", n=len(pushes)) if publish
            else _("Returned to the author."))
    return redirect(request.form.get("back") == "index" and url_for("platform_manage.index")
                    or url_for("platform_manage.edit_policy", policy_id=policy.id))


def _attach(policy, back):
    form = AttachmentForm()
    if form.validate_on_submit():
        perform(lambda: policies.attach(policy, form.file.data.filename, form.file.data.read(), actor=current_user),
                _("The file has been attached."))
    else:
        for errors in form.errors.values():
            flash("; ".join(str(e) for e in errors), "error")
    return redirect(back)


@bp.route("/manage/policies/<int:policy_id>/attachments", methods=["POST"])
@platform_view("platform.review")
def attach_policy(policy_id):
    policy = _get(Policy, policy_id)
    return _attach(policy, url_for("platform_manage.edit_policy", policy_id=policy.id))


@bp.route("/manage/policies/<int:policy_id>/sessions", methods=["POST"])
@platform_view("platform.edit")
def link_session(policy_id):
    policy = _get(Policy, policy_id)
    perform(lambda: policies.link_session(policy, request.form.get("session_id", type=int), actor=current_user),
            _("The session presents this policy."))
    return redirect(url_for("platform_manage.edit_policy", policy_id=policy.id))


# --- trials, achievements ---------------------------------------------------------------------

@bp.route("/manage/trials/<int:trial_id>/review", methods=["POST"])
@platform_view("platform.review")
def review_trial(trial_id):
    _review(results.review_trial, _get(ClinicalTrial, trial_id))
    return redirect(url_for("platform_manage.index"))


@bp.route("/manage/achievements", methods=["GET", "POST"])
@platform_view("platform.edit")
def achievements():
    form = _topics(AchievementForm())
    form.event_id.choices = [(e.id, e.name) for e in db.session.scalars(db.select(Event).order_by(Event.starts_at.desc()))]
    if form.validate_on_submit():
        event = db.session.get(Event, form.event_id.data)
        organisation = organisations.find_by_name(form.organisation.data or "")
        if event is None or organisation is None:
            form.organisation.errors = [_("Unknown organisation: it needs a registration at the event first.")]
        elif perform(lambda: results.add_achievement(
                event, organisation, title_zh=form.title_zh.data, title_en=form.title_en.data, stage=form.stage.data,
                summary=form.summary.data, topics=form.topics.data, booth_code=form.booth_code.data,
                actor=current_user), _("The achievement has been added."), form=form):
            return redirect(url_for("platform_manage.achievements"))
    return render_form("platform/achievements.html", form=form, items=results.all_achievements(),
                       stage_form=StageForm(), names=organisations.suggestions())


@bp.route("/achievements/<int:achievement_id>/stage", methods=["POST"])
@login_required
def set_stage(achievement_id):
    """Organizers, and the organisation's own managers, move an achievement to its next stage."""
    item = _get(Achievement, achievement_id)
    perform(lambda: results.set_stage(item, request.form.get("stage", ""), actor=current_user),
            _("The stage has been changed."))
    return redirect(request.form.get("back") == "mine" and url_for("platform_manage.mine")
                    or url_for("platform_manage.achievements"))


# --- articles ---------------------------------------------------------------------------------

def _article_form(article=None):
    if article is not None and request.method == "GET":
        form = ArticleForm(data=reports.form_values(article))
    else:
        form = ArticleForm()
    form.contracts.choices = [(c.id, f"{c.event_name} · #{c.seq} {c.title}") for c in results.contracts()]
    form.policies.choices = [(p.id, p.title_zh) for p in policies.search(per_page=500)[0]]
    return form


@bp.route("/manage/articles/new", methods=["GET", "POST"])
@platform_view("platform.edit")
def new_article():
    form = _article_form()
    if form.validate_on_submit():
        done = perform(lambda: reports.create(article_data(form), actor=current_user,
                                              submit=form.submit_for_review.data), _("Saved."), form=form)
        if done:
            return redirect(url_for("platform_manage.edit_article", article_id=done.value.id))
    return render_form("platform/article_form.html", form=form, article=None, names=organisations.suggestions())


@bp.route("/manage/articles/<int:article_id>", methods=["GET", "POST"])
@platform_view("platform.edit")
def edit_article(article_id):
    article = _get(Article, article_id)
    form = _article_form(article)
    if request.method == "POST" and form.validate_on_submit() and perform(
            lambda: reports.update(article, article_data(form), actor=current_user, submit=form.submit_for_review.data),
            _("Saved."), form=form):
        return redirect(url_for("platform_manage.edit_article", article_id=article.id))
    return render_form("platform/article_form.html", form=form, article=article, names=organisations.suggestions(),
                       review_form=ReviewForm(), preview=reports.render(article.body))


@bp.route("/manage/articles/<int:article_id>/review", methods=["POST"])
@platform_view("platform.review")
def review_article(article_id):
    article = _get(Article, article_id)
    _review(reports.review, article)
    return redirect(url_for("platform_manage.edit_article", article_id=article.id))


# --- managers of organisations ----------------------------------------------------------------

def _mine_page(**forms):
    orgs = exhibitors.managed_organisations(current_user)
    if not orgs and not current_user.is_admin:
        abort(403)
    ids = [o.id for o in orgs]
    forms.setdefault("policy_form", _policy_form())
    forms.setdefault("trial_form", _topics(TrialForm()))
    return render_form("platform/mine.html", organisations=orgs, notices=demand_board.notices_for(None, ids),
                       my_policies=policies.submitted_by(ids),
                       trials={o.id: results.trials_of(o, published_only=False) for o in orgs},
                       achievements={o.id: results.achievements_of(o) for o in orgs},
                       attachment_form=AttachmentForm(), stage_form=StageForm(), **forms)


@bp.route("/mine/")
@login_required
def mine():
    return _mine_page()


def _managed(org_id):
    org = _get(Organisation, org_id)
    if not (current_user.is_admin or exhibitors.manages(current_user, org.id)):
        abort(403)
    return org


@bp.route("/mine/<int:org_id>/policies", methods=["POST"])
@login_required
def submit_policy(org_id):
    org = _managed(org_id)
    if org.org_type not in ("government", "association") and not can_platform(current_user, "platform.review"):
        abort(403)
    form = _policy_form()
    if form.validate_on_submit() and perform(
            lambda: policies.submit(policy_data(form), actor=current_user, organisation=org),
            _("Sent for review. The entry is public once it has been reviewed."), form=form):
        return redirect(url_for("platform_manage.mine"))
    return _mine_page(policy_form=form, policy_org=org.id)


@bp.route("/mine/<int:org_id>/policies/<int:policy_id>/attachments", methods=["POST"])
@login_required
def attach_mine(org_id, policy_id):
    org = _managed(org_id)
    policy = _get(Policy, policy_id)
    if policy.organisation_id != org.id:
        abort(404)
    return _attach(policy, url_for("platform_manage.mine"))


@bp.route("/mine/<int:org_id>/trials", methods=["POST"])
@login_required
def submit_trial(org_id):
    org = _managed(org_id)
    form = _topics(TrialForm())
    if form.validate_on_submit() and perform(
            lambda: results.submit_trial(org, title=form.title.data, phase=form.phase.data,
                                         registration_no=form.registration_no.data, sponsor=form.sponsor.data,
                                         topics=form.topics.data, started_on=form.started_on.data, actor=current_user),
            _("Sent for review. The trial is public once it has been reviewed."), form=form):
        return redirect(url_for("platform_manage.mine"))
    return _mine_page(trial_form=form, trial_org=org.id)
