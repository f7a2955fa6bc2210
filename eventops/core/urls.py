from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """A link for a mail: under EVENTOPS_BASE_URL when set, else the request's host."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
