"""A registrant's badge (from the personal link) and the organizers' bulk print."""
import io
import zipfile

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.permissions import require
from ..events.forms import ActionForm
from ..events.models import CATEGORIES
from ..events.views import get_event_or_404
from ..extensions import db
from ..organisations.models import ORG_TYPES, Organisation
from ..registration.models import STATUS_APPROVED, Registration
from ..registration.services import by_token
from . import render, services
from .codes import payload
from .models import Badge

bp = Blueprint("badges", __name__)

BAND_LABELS = {"vip": "贵宾", "staff": "工作人员", "media": "媒体", "broker": "专业经纪人", "speaker": "演讲嘉宾",
               "exhibitor": "展商", "hospital": "医院", "enterprise": "企业", "government": "政府部门",
               "association": "行业协会", "service_agency": "服务机构", "university": "高校/科研院所", "other": "嘉宾"}
SORTS = {"name": (Registration.name,), "organisation": (Organisation.name, Registration.name),
         "category": (Registration.category, Organisation.name, Registration.name)}


def badge_data(registration, badge) -> render.BadgeData:
    key = registration.category if registration.category in render.BAND_BY_CATEGORY else registration.organisation.org_type
    return render.BadgeData(
        name=registration.name, organisation=registration.organisation.name, position=registration.position,
        category=registration.category, org_type=registration.organisation.org_type,
        band_label=BAND_LABELS.get(key, "嘉宾"), event_name=registration.event.name_zh, payload=payload(badge.code))


def _personal(token):
    registration = by_token(token)
    if registration is None:
        abort(404)
    if registration.status != STATUS_APPROVED:
        abort(404)
    badge = services.badge_for(registration)
    db.session.commit()
    return registration, badge


@bp.route("/r/<token>/badge.pdf")
def personal_pdf(token):
    registration, badge = _personal(token)
    body = render.render([badge_data(registration, badge)], sheet="label", title=registration.name)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="badge.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/r/<token>/qr.svg")
def personal_qr(token):
    _registration, badge = _personal(token)
    image = qrcode.make(payload(badge.code), image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    out = io.BytesIO()
    image.save(out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


def _selection(event, args):
    query = (select(Registration).join(Organisation, Registration.organisation_id == Organisation.id)
             .where(Registration.event_id == event.id, Registration.status == STATUS_APPROVED))
    if args.get("category") in CATEGORIES:
        query = query.where(Registration.category == args["category"])
    if args.get("org_type") in ORG_TYPES:
        query = query.where(Organisation.org_type == args["org_type"])
    organisation = (args.get("organisation") or "").strip()[:100]
    if organisation:
        escaped = organisation.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Organisation.name.like(f"%{escaped}%", escape="\\"))
    return query.order_by(*SORTS.get(args.get("sort"), SORTS["organisation"]), Registration.id)


@bp.route("/manage/<slug>/badges")
@login_required
def bulk(slug):
    event = get_event_or_404(slug)
    require("badges.print", event)
    count = db.session.scalar(select(db.func.count()).select_from(_selection(event, request.args).order_by(None).subquery()))
    return render_template("badges/bulk.html", event=event, count=count, args=request.args, chunk=render.CHUNK)


@bp.route("/manage/<slug>/badges/print")
@login_required
def bulk_print(slug):
    event = get_event_or_404(slug)
    require("badges.print", event)
    services.issue_missing(event)
    db.session.commit()
    sheet = "label" if request.args.get("sheet") == "label" else "a4"
    query = _selection(event, request.args).add_columns(Badge).join(
        Badge, (Badge.registration_id == Registration.id) & Badge.revoked_at.is_(None))
    total = db.session.scalar(select(db.func.count()).select_from(query.order_by(None).subquery()))

    def badges():
        for registration, badge in db.session.execute(query.execution_options(yield_per=500)):
            yield badge_data(registration, badge)

    if total <= render.CHUNK:
        body = render.render(badges(), sheet=sheet, title=event.name_zh)
        response = Response(body, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-badges.pdf"'
        return response
    return Response(stream_with_context(_zip_stream(badges(), sheet, event)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-badges.zip"'})


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are collected and handed out as they come."""

    def __init__(self):
        self.parts = []

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(badges, sheet, event):
    """A ZIP of PDFs of at most render.CHUNK badges each, streamed as each PDF is made."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for number, batch in enumerate(render.chunks(badges), 1):
            pdf = render.render(batch, sheet=sheet, title=f"{event.name_zh} {number}")
            archive.writestr(f"{event.slug}-badges-{number:03d}.pdf", pdf)
            del pdf, batch
            yield pipe.take()
    yield pipe.take()


@bp.route("/manage/<slug>/registrations/<int:registration_id>/badge/reissue", methods=["POST"])
@login_required
def reissue(slug, registration_id):
    event = get_event_or_404(slug)
    require("badges.print", event)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.reissue(registration, actor=current_user)
            db.session.commit()
            flash(_("A new badge code has been issued; the old badge no longer admits anyone."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("backoffice.detail", slug=slug, registration_id=registration_id))
