"""JSON for the big screen: the live total, polled every second. Cheap: one row (the ledger head)
decides whether anything changed, answered with 304 when not."""
from flask import Blueprint, jsonify, request

from ..core.money import format_cn_units, format_cny, to_cn_units
from ..core.timeutil import to_zone
from ..core.views import event_view
from . import services
from .models import CONTRACT_CATEGORIES

bp = Blueprint("ledger_api", __name__)


def summary_json(event, summary, sessions):
    number, unit = to_cn_units(summary["total_fen"])
    return {
        "seq": summary["seq"],
        "total": {"fen": summary["total_fen"], "yuan": format_cny(summary["total_fen"]),
                  "cn": format_cn_units(summary["total_fen"]), "cn_number": number, "cn_unit": unit},
        "contracts": summary["contracts"], "undisclosed": summary["undisclosed"],
        "by_category": [{"category": k, "label": str(CONTRACT_CATEGORIES.get(k, k)), "fen": v["total_fen"],
                         "cn": format_cn_units(v["total_fen"]), "contracts": v["contracts"],
                         "undisclosed": v["undisclosed"]}
                        for k, v in sorted(summary["by_category"].items(), key=lambda kv: -kv[1]["total_fen"])],
        "by_session": [{"session": sessions.get(k, ""), "fen": v["total_fen"], "cn": format_cn_units(v["total_fen"]),
                        "contracts": v["contracts"]} for k, v in summary["by_session"].items()],
        "latest": [{"seq": e.seq, "title": e.title, "category": str(e.category_label),
                    "parties": [p["name"] for p in e.parties],
                    "amount": format_cn_units(e.amount_fen) if e.amount_fen is not None else None,
                    "signed_at": to_zone(e.signed_at, event.timezone).strftime("%H:%M") if e.signed_at else ""}
                   for e in summary["latest"]],
    }


@bp.route("/api/v1/events/<slug>/signings/summary")
@event_view(public=True)
def summary(event):
    head = services.head_of(event)
    etag = f'"{event.id}-{head.last_seq if head else 0}"'
    if request.headers.get("If-None-Match") == etag:
        response = jsonify()
        response.status_code = 304
        response.set_data(b"")
    else:
        response = jsonify(summary_json(event, services.summary(event), services.session_names(event)))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response
