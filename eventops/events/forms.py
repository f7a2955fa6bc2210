from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, EmailField, IntegerField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..accounts.models import EVENT_ROLES
from .models import CATEGORIES, QUESTION_KINDS

ROLE_LABELS = {"organizer": _l("Organizer"), "door_staff": _l("Door staff (scan only)"),
               "ledger_clerk": _l("Signing clerk (records contracts)"),
               "zone_host": _l("Table host (negotiation zone: marks meetings held or no-show)")}
_FMT = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    slug = StringField(_l("Web address (letters, digits, dashes)"),
                       validators=[DataRequired(_l("Please enter the web address.")), Length(max=64)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Please enter the Chinese name.")), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    venue_zh = StringField(_l("Venue (Chinese)"), validators=[Length(max=200)])
    venue_en = StringField(_l("Venue (English)"), validators=[Length(max=200)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=5000)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)])
    starts_at = DateTimeLocalField(_l("Starts (local time)"), format=_FMT,
                                   validators=[DataRequired(_l("Please enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends (local time)"), format=_FMT,
                                 validators=[DataRequired(_l("Please enter a date and time."))])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=_FMT, validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=_FMT, validators=[Optional()])
    capacity = IntegerField(_l("Places in all (empty: no limit)"),
                            validators=[Optional(), NumberRange(min=0, max=1_000_000, message=_l("Enter a number from 0 to 1,000,000."))])
    requires_approval = BooleanField(_l("Organizers approve each registration"))
    auto_promote = BooleanField(_l("Give freed places to the waitlist automatically"), default=True)
    published = BooleanField(_l("Published (the public can see it and register)"), default=True)
    signing_requires_confirmation = BooleanField(_l("Signed contracts count only after a second person confirms them"))
    interest_tags = TextAreaField(_l("Interest tags, one per line: Chinese | English"), validators=[Length(max=5000)])


# one optional capacity field per category, added to the form class
for _category, _label in CATEGORIES.items():
    setattr(EventForm, f"cap_{_category}", IntegerField(
        _label, validators=[Optional(), NumberRange(min=0, max=1_000_000, message=_l("Enter a number from 0 to 1,000,000."))]))


class QuestionForm(FlaskForm):
    label_zh = StringField(_l("Question (Chinese)"), validators=[DataRequired(_l("Please enter the question in Chinese.")), Length(max=300)])
    label_en = StringField(_l("Question (English)"), validators=[Length(max=300)])
    kind = SelectField(_l("Kind of answer"), choices=list(QUESTION_KINDS.items()))
    options = TextAreaField(_l("Choices, one per line: Chinese | English"), validators=[Length(max=3000)])
    required = BooleanField(_l("An answer is required"))


class RoleForm(FlaskForm):
    email = EmailField(_l("E-mail of the account"), validators=[DataRequired(_l("Please enter an e-mail address.")), Length(max=255)])
    role = SelectField(_l("Role"), choices=[(r, ROLE_LABELS[r]) for r in EVENT_ROLES])
