"""The /api/v1 endpoints, gathered from each domain's api.py. JSON in and out, no CSRF cookie
(they authenticate by token or are public reads)."""
from ..extensions import csrf
from ..checkin.api import bp as checkin_api
from ..ledger.api import bp as ledger_api


def register_api(app):
    for blueprint in (checkin_api, ledger_api):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
