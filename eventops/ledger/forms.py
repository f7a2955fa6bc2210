import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import CONTRACT_CATEGORIES

PARTY_FIELDS = 4


def new_key() -> str:
    return uuid.uuid4().hex


class ContractForm(FlaskForm):
    #: one per form shown: a double click or a retried submission records one entry
    idempotency_key = HiddenField(default=new_key)
    title = StringField(_l("Contract title"), validators=[DataRequired(_l("Please enter the contract's title.")), Length(max=300)])
    category = SelectField(_l("Contract type"), choices=list(CONTRACT_CATEGORIES.items()))
    session_id = SelectField(_l("Signing session"), coerce=int, validate_choice=False)
    amount = StringField(_l("Amount in yuan (two decimals at most)"), validators=[Length(max=40)])
    undisclosed = BooleanField(_l("The amount is undisclosed (counted, but outside the total)"))
    signed_at = DateTimeLocalField(_l("Signed at (local time; empty: now)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    party_1 = StringField(_l("Party 1"), validators=[Length(max=200)])
    party_2 = StringField(_l("Party 2"), validators=[Length(max=200)])
    party_3 = StringField(_l("Party 3"), validators=[Length(max=200)])
    party_4 = StringField(_l("Party 4"), validators=[Length(max=200)])
    signatories = TextAreaField(_l("Signatories, one per line"), validators=[Length(max=2000)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    reason = StringField(_l("Reason for the correction"), validators=[Length(max=500)])


class ReverseForm(FlaskForm):
    idempotency_key = HiddenField(default=new_key)
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=500)])


class ConfirmForm(FlaskForm):
    idempotency_key = HiddenField(default=new_key)


class SessionForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Please enter the session's name.")), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    room = StringField(_l("Room"), validators=[Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts (local time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
