"""A request id on every request and every log line written while it is answered.

nginx (deploy/nginx/eventops.conf) sends its ``$request_id`` as ``X-Request-ID``; it is taken when
proxies are configured (EVENTOPS_PROXY_COUNT) and looks like an id, otherwise one is made here.
The response carries it back (``X-Request-ID``), so that a person's "reference" on an error page,
nginx's access log and the application's log lines meet. Every log record gets ``request_id``
("-" outside a request), for any formatter to print.
"""
import logging
import re
import secrets

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def current() -> str:
    if has_request_context():
        return g.get("request_id") or "-"
    return "-"


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "eventops_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current()
        return record

    factory.eventops_request_id = True
    logging.setLogRecordFactory(factory)


def init_app(app) -> None:
    _install_record_factory()
    from flask.logging import default_handler
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    trust_header = bool(app.config.get("PROXY_COUNT"))

    def assign_request_id():
        given = request.headers.get(HEADER, "") if trust_header else ""
        g.request_id = given if _ACCEPTED.fullmatch(given) else secrets.token_hex(8)

    # the very first thing done with a request, so that even a refused one has its id
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)

    @app.after_request
    def return_request_id(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
        return response
