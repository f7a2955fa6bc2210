from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.validators import Optional

_FMT = "%Y-%m-%dT%H:%M"


class WindowForm(FlaskForm):
    """The check-in window, in the event's local time; both empty: the default."""
    checkin_opens_at = DateTimeLocalField(_l("Check-in opens (local time)"), format=_FMT, validators=[Optional()])
    checkin_closes_at = DateTimeLocalField(_l("Check-in closes (local time)"), format=_FMT, validators=[Optional()])
