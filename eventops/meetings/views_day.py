"""The zone on the day: the now-and-next board for the hall's screens (public), and the same
board for table hosts and staff on a phone, where each meeting is marked held or no-show, people
at risk are flagged and freed tables are given to standby requests with one click."""
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.views import event_view, of_event, perform
from . import day
from .blueprint import bp
from .models import Meeting, MeetingRequest


@bp.route("/e/<slug>/meetings/board")
@event_view(public=True)
def board(event):
    """For screens in the zone: the meetings of the current slot and of the next one, by table."""
    return render_template("meetings/board.html", event=event, board=day.board(event))


@bp.route("/manage/<slug>/meetings/day")
@event_view("meetings.attend")
def staff_board(event):
    """The board for table hosts and staff: mark meetings, see who is at risk, fill freed tables."""
    return render_template("meetings/day.html", event=event, board=day.board(event, staff=True),
                           action_form=ActionForm())


def _to_board(event, anchor=""):
    return redirect(url_for("meetings.staff_board", slug=event.slug) + anchor)


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/mark", methods=["POST"])
@event_view("meetings.attend")
def mark(event, meeting_id):
    meeting = of_event(Meeting, meeting_id, event)
    outcome = request.form.get("outcome")
    if outcome == "unmark":
        perform(lambda: day.unmark(meeting, actor=current_user), _("The mark has been taken back."))
    else:
        perform(lambda: day.mark(meeting, outcome, actor=current_user),
                _("Marked held.") if outcome == "held" else
                _("Marked as a no-show: the table is free for a standby request."))
    return _to_board(event, f"#meeting-{meeting.id}")


@bp.route("/manage/<slug>/meetings/standby", methods=["POST"])
@event_view("meetings.attend")
def standby(event):
    slot, table = day.of_slot_table(event, request.form.get("slot", type=int), request.form.get("table", type=int))
    chosen = of_event(MeetingRequest, request.form.get("request", type=int), event)
    perform(lambda: day.place_standby(event, slot, table, chosen, actor=current_user),
            lambda meeting: _("Placed at table %(table)s; %(a)s and %(b)s have been told.", table=meeting.table.code,
                              a=meeting.participant_a.name, b=meeting.participant_b.name))
    return _to_board(event)
