"""EventOps: operations platform for partnering conferences."""
from functools import cache

from babel import Locale
from flask import Flask, current_app, has_request_context, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import refresh as refresh_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import health
from . import models  # noqa: F401  (every domain's tables, for Alembic and create_all)
from .accounts import permissions
from .accounts.cli import users_cli
from .accounts.services import load_by_session_token
from .accounts.views import bp as accounts_bp
from .api import register_api
from .badges import jobs as badge_jobs
from .badges.views import bp as badges_bp
from .checkin.views import bp as checkin_bp
from .config import INSTANCE, MIGRATIONS, STATIC, TEMPLATES, Config
from .core import db as core_db
from .core import mail as core_mail
from .core import ratelimit  # noqa: F401  (registers the fallback+redis:// rate-limit storage)
from .core import request_guard, request_id
from .core import views as core_views
from .core.money import format_cn_units, format_cny, to_cn_units
from .core.timeutil import to_zone
from .dashboard.views import bp as dashboard_bp
from .demo.cli import demo_cli
from .events import services as events
from .events.models import CATEGORIES
from .events.signals import capacity_changed, question_deleting
from .events.views import bp as events_bp
from .exhibitors.models import DEMAND_KINDS, DEMAND_STATUSES, ZONES
from .exhibitors.views_manage import bp as showcase_bp
from .exhibitors.views_portal import bp as portal_bp
from .exhibitors.views_public import bp as exhibitors_bp
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .jobs import services as jobs
from .jobs import tasks as _tasks  # noqa: F401  (registers the Celery tasks)
from .jobs import worker as jobs_worker
from .jobs.views import bp as jobs_bp
from .ledger import jobs as ledger_jobs
from .ledger.cli import ledger_cli
from .ledger.models import CONTRACT_CATEGORIES
from .ledger.views import bp as ledger_bp
from .meetings import jobs as meeting_jobs
from .meetings import zone as meeting_zone
from .meetings.cli import meetings_cli
from .meetings.models import SESSION_KINDS
from .meetings.views import bp as meetings_bp
from .organisations.models import ORG_TYPES
from .platform.views_manage import bp as platform_manage_bp
from .platform.views_public import bp as platform_bp
from .registration import jobs as registration_jobs
from .registration import services as registrations
from .registration.models import STATUSES
from .registration.views_manage import bp as backoffice_bp
from .registration.views_public import bp as registration_bp


def create_app(config=None) -> Flask:
    # templates and static files: beside the package in a checkout, inside it when installed (config.py)
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC),
                instance_path=str(INSTANCE))
    app.config.from_object(config or Config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = Config.secret_key()

    if app.config.get("PROXY_COUNT"):
        # behind nginx: take the client address and scheme from X-Forwarded-* (for rate limits)
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    _register_request_hardening(app)
    _init_extensions(app)
    _connect_domains(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    _register_cli(app)
    _register_security_headers(app)
    return app


def _init_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_by_session_token)
    babel.init_app(app, locale_selector=_select_locale)
    jobs_worker.init_app(app)  # app.extensions["celery"]; wsgi.celery_app for the worker
    # the language is chosen per request, even where one app context serves several (tests, CLI)
    app.before_request(refresh_locale)


def _connect_domains(app):
    """What the lower layers are handed of the upper ones: core's views get the event loader,
    the personal-link loader and the permission check; registration listens to events."""
    core_db.init_app(app)
    core_mail.init_app(app)
    core_views.init_app(app, load_event=events.by_slug, load_registration=registrations.by_token,
                        can=permissions.can)
    capacity_changed.connect(registrations.on_capacity_changed)
    question_deleting.connect(meeting_zone.keep_optin_question)
    jobs.init_app(app, [badge_jobs.PRINT, registration_jobs.IMPORT, registration_jobs.MESSAGE, registration_jobs.SEND_LINKS,
                        meeting_jobs.SCHEDULE, meeting_jobs.REPLAN, ledger_jobs.PRESS])


@cache
def _locale(code: str) -> Locale:
    """Parsed once: Flask-Babel parses the selector's answer at every request unless it is a Locale
    already, and parsing checks the locale data on disk (a tenth of a millisecond)."""
    return Locale.parse(code)


def _select_locale():
    if not has_request_context():
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    wanted = request.args.get("lang")
    languages = current_app.config["LANGUAGES"]
    if wanted in languages:
        return _locale(wanted)
    if session.get("lang") in languages:
        return _locale(session["lang"])
    return _locale(request.accept_languages.best_match(languages, default="zh") or "zh")


def _register_blueprints(app):
    app.register_blueprint(events_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(exhibitors_bp)
    app.register_blueprint(showcase_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(platform_bp)
    app.register_blueprint(platform_manage_bp)
    app.register_blueprint(jobs_bp)
    register_api(app)
    health.init_app(app)  # /healthz; more checks: health.register_check(app, name, run)
    health.register_check(app, "workers", jobs.check_workers, critical=False)


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_error_handlers(app):
    def page(status, code, title, message):
        if _wants_json():
            return jsonify(error=code, message=message), status
        return render_template("error.html", status=status, title=title, message=message), status

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, "bad_request", _("Bad request"),
                    _("The request could not be understood. Please go back and try again."))

    @app.errorhandler(request_guard.ControlCharacters)
    def control_characters(e):
        return page(400, e.error, _("Bad request"), str(e.description))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, "csrf", _("Form expired"),
                    _("The form has expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(401)
    def unauthorized(e):
        if _wants_json():
            return page(401, "unauthorized", _("Sign-in needed"), _("Please sign in."))
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, "forbidden", _("Not allowed"), _("Your account may not open this page."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, "not_found", _("Not found"),
                    _("There is nothing at this address. The link may be wrong or out of date."))

    @app.errorhandler(405)
    def not_allowed(e):
        return page(405, "method_not_allowed", _("Not allowed"), _("This address does not accept that kind of request."))

    @app.errorhandler(413)
    def too_large(e):
        return page(413, "too_large", _("File too large"), _("The upload is larger than the %(mb)d MB allowed.",
                                                                  mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)))

    @app.errorhandler(429)
    def too_many(e):
        return page(429, "too_many_requests", _("Too many attempts"),
                    _("Too many attempts. Please wait a few minutes and try again."))

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return page(500, "server_error", _("Something went wrong"), _("Nothing was saved. Please try again in a moment."))


def _register_template_helpers(app):
    app.add_template_filter(format_cny, "cny")
    app.add_template_filter(format_cn_units, "cn_units")
    app.add_template_filter(to_cn_units, "cn_parts")

    @app.template_filter("localtime")
    def localtime(value, tz="Asia/Shanghai", fmt="%Y-%m-%d %H:%M"):
        return to_zone(value, tz).strftime(fmt) if value else ""

    # globals, so that imported macros see them too
    app.jinja_env.globals.update(
        can=core_views.can,
        categories=CATEGORIES, org_types=ORG_TYPES, statuses=STATUSES, contract_categories=CONTRACT_CATEGORIES, zones=ZONES,
        demand_kinds=DEMAND_KINDS, demand_statuses=DEMAND_STATUSES, session_kinds=SESSION_KINDS)

    @app.context_processor
    def helpers():
        return {"current_locale": str(get_locale() or "zh")}


def _register_cli(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(meetings_cli)


#: responses that carry someone's data or a signed-in page: no cache (browser, proxy) keeps them
PRIVATE_PREFIXES = ("/r/", "/manage/", "/exhibitor/", "/api/", "/home", "/login", "/logout", "/password/",
                    "/healthz", "/platform/manage/", "/platform/mine/")


def _register_security_headers(app):
    hsts = app.config.get("HSTS_MAX_AGE", 0) if app.config.get("SESSION_COOKIE_SECURE") else 0

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # personal links carry their secret in the path: never send it on as a referrer
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        if hsts:
            # secure cookies mean the site is served over HTTPS only: browsers are to stay there
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        if request.path.startswith(PRIVATE_PREFIXES):
            # a view of these may only ask for less caching (the public live total: "no-cache")
            if response.headers.get("Cache-Control") not in ("no-store", "no-cache"):
                response.headers["Cache-Control"] = "no-store"
        return response


def _register_request_hardening(app):
    """Before anything else reads a request: a request id for the log lines, then control
    characters refused (400) on every route."""
    request_guard.init_app(app)
    request_id.init_app(app)  # runs before the guard: it goes first in the list


__all__ = ["create_app"]
