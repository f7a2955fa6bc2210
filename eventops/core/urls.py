from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def absolute_url(endpoint: str, **values) -> str:
    """A link for a mail: under EVENTOPS_BASE_URL when set, else the request's host. Works outside
    a request too (command line, background work) when EVENTOPS_BASE_URL is set."""
    base = current_app.config.get("BASE_URL")
    if not has_request_context():
        with current_app.test_request_context(base_url=base or "http://localhost"):
            return url_for(endpoint, _external=True, **values)
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def site_path(endpoint: str, **values) -> str:
    """A link within the site (no host), for what is stored and shown on its pages (a notice):
    it keeps working whatever host and port serve the site. Works outside a request too."""
    if not has_request_context():
        with current_app.test_request_context():
            return url_for(endpoint, **values)
    return url_for(endpoint, **values)


def safe_next(target) -> str | None:
    """``target`` if it is a path on this site (for ``?next=`` after login or a language switch),
    else None: never another host, whatever the browser would make of slashes, backslashes or
    control characters (``/%09/evil.example`` is ``//evil.example`` to a browser)."""
    if not isinstance(target, str) or not target.startswith("/"):
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
