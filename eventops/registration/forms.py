from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (EmailField, RadioField, SelectField, SelectMultipleField, StringField,
                     TelField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, Optional

from ..events.models import CATEGORIES
from ..organisations.models import ORG_TYPES
from .models import STATUSES
from .queries import SORTS
from .services import data_from_registration
from .validation import RegistrationData

# categories a member of the public may choose; the others are given by organizers
PUBLIC_CATEGORIES = ("attendee", "exhibitor", "broker", "media")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def registration_form_class(event, *, organizer=False, editing=False):
    """A form class for this event's registration: the fixed fields plus its custom questions."""

    class RegistrationForm(FlaskForm):
        name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=50)])
        organisation = StringField(_l("Organisation"), validators=[
            DataRequired(_l("Please enter your organisation.")), Length(max=200)])
        org_type = SelectField(_l("Type of organisation"), choices=list(ORG_TYPES.items()))
        position = StringField(_l("Position"), validators=[Length(max=100)])
        mobile = TelField(_l("Mobile number"), validators=[DataRequired(_l("Please enter your mobile number.")), Length(max=30)])
        email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=255)])
        tags = MultiCheckboxField(_l("Interests"), choices=[(t, t) for t in event.interest_tags or []],
                                  validate_choice=False)

    if not editing:
        allowed = CATEGORIES if organizer else {k: CATEGORIES[k] for k in PUBLIC_CATEGORIES}
        RegistrationForm.category = SelectField(_l("I take part as"), choices=list(allowed.items()),
                                                default="attendee")
    for question in event.questions:
        name = f"q_{question.id}"
        validators = [Optional()]
        if question.kind == "multi":
            field = MultiCheckboxField(question.label, choices=[(o, o) for o in question.options],
                                       validate_choice=False, validators=validators)
        elif question.kind == "choice":
            field = SelectField(question.label, choices=[("", "—")] + [(o, o) for o in question.options],
                                validate_choice=False, validators=validators)
        elif question.kind == "yesno":
            field = RadioField(question.label, choices=[("yes", _l("Yes")), ("no", _l("No"))],
                               validate_choice=False, validators=validators)
        elif question.kind == "textarea":
            field = TextAreaField(question.label, validators=validators + [Length(max=1000)])
        else:
            field = StringField(question.label, validators=validators + [Length(max=1000)])
        field.kwargs.setdefault("render_kw", {})["data-required"] = "1" if question.required else "0"
        setattr(RegistrationForm, name, field)
    return RegistrationForm


class ResendForm(FlaskForm):
    email = EmailField(_l("E-mail you registered with"), validators=[
        DataRequired(_l("Please enter your e-mail address.")), Length(max=255)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search name, organisation, mobile, e-mail"), validators=[Length(max=100)])
    category = SelectField(_l("Category"), choices=[("", _l("All categories"))] + list(CATEGORIES.items()),
                           validate_choice=False)
    org_type = SelectField(_l("Type of organisation"), choices=[("", _l("All types"))] + list(ORG_TYPES.items()),
                           validate_choice=False)
    status = SelectField(_l("Status"), choices=[("", _l("All statuses"))] + list(STATUSES.items()),
                         validate_choice=False)
    sort = SelectField(_l("Sort"), choices=[
        ("newest", _l("Newest first")), ("oldest", _l("Oldest first")), ("name", _l("Name")),
        ("organisation", _l("Organisation")), ("category", _l("Category")), ("status", _l("Status"))],
        validate_choice=False)

    def cleaned(self):
        valid = {"category": CATEGORIES, "org_type": ORG_TYPES, "status": STATUSES, "sort": SORTS}
        out = {}
        for name, allowed in valid.items():
            value = getattr(self, name).data or ""
            out[name] = value if value in allowed else ""
        out["q"] = (self.q.data or "")[:100]
        out["sort"] = out["sort"] or "newest"
        return out


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8 or GBK)"), validators=[FileRequired(_l("Please choose a file."))])


def form_data(registration) -> dict:
    """A registration as the data of its form (the fixed fields and the answers)."""
    data = data_from_registration(registration)
    return {**asdict(data), **{f"q_{k}": v for k, v in data.answers.items()}}


def form_to_data(form, event) -> RegistrationData:
    return RegistrationData(
        name=form.name.data, organisation=form.organisation.data, org_type=form.org_type.data,
        position=form.position.data, mobile=form.mobile.data, email=form.email.data,
        category=form.category.data if hasattr(form, "category") else "",
        tags=form.tags.data or [],
        answers={str(q.id): getattr(form, f"q_{q.id}").data for q in event.questions})


class MessageForm(FlaskForm):
    """A message to all or some registrants: by category and status (none ticked: all of them)."""
    categories = MultiCheckboxField(_l("Categories"), choices=list(CATEGORIES.items()))
    statuses = MultiCheckboxField(_l("Statuses"), choices=list(STATUSES.items()), default=["approved"])
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Please write a subject.")), Length(max=200)])
    body = TextAreaField(_l("Message text"), validators=[DataRequired(_l("Please write the message.")), Length(max=20000)],
                         render_kw={"rows": 10})
