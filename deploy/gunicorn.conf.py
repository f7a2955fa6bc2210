"""gunicorn settings for EventOps in production (README, "Production"); systemd's eventops.service
starts ``gunicorn -c /etc/eventops/gunicorn.conf.py 'eventops:create_app()'``.

Command-line options override what is set here. The access log carries the request id
(``rid=``, the same as in nginx's log and the application's log lines) and never the secret of a
personal link or a password link: those paths are logged as ``/r/…`` and ``/password/reset/…``.
"""
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("EVENTOPS_BIND", "127.0.0.1:8000")
# sync workers answer one request at a time: each needs EVENTOPS_DB_POOL_SIZE connections at most
# (plus EVENTOPS_DB_MAX_OVERFLOW in bursts); see the pool arithmetic in the README
workers = int(os.environ.get("EVENTOPS_WORKERS", "4"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# recycle workers now and then: memory a worker took for a large export goes back
max_requests = 5000
max_requests_jitter = 500
# nginx on the same machine sets X-Forwarded-For/-Proto; the app reads them (EVENTOPS_PROXY_COUNT=1)
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'

SECRET_PATHS = re.compile(r"^/(r|password/reset)/[^/?]+")


class RedactingLogger(Logger):
    """gunicorn's logger, with the secret part of personal and password links cut out of the path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "q"):
            if key in atoms:
                atoms[key] = SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/…", atoms[key])
        if atoms.get("q") and "next=" in atoms["q"]:
            atoms["q"] = "…"
        return atoms


logger_class = RedactingLogger
