from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (EmailField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField,
                     TelField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length

from ..events.models import CATEGORIES
from ..events.rules import rules_of
from ..organisations.models import ORG_TYPES
from .models import STATUSES
from .queries import SORTS
from .services import data_from_registration
from .validation import LIMITS, PUBLIC_CATEGORIES, RegistrationData


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _limit(name):
    """What the form shows of a length limit: a hint and a counter (``data-maxlength``), never a
    ``maxlength`` attribute, with which a browser cuts a long paste short without a word."""
    return {"data-maxlength": str(LIMITS[name])}


class FormMessages:
    """What is wrong with a form as a whole rather than with one field (a second registration of
    the same person): ``perform(..., form=form, field="general")`` puts the message here, and the
    error summary shows it first."""

    def __init__(self):
        self.errors = []


class RegistrationFormBase(FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.general = FormMessages()

    def error_list(self):
        """(field or None, message) for the error summary, in the order of the form."""
        out = [(None, message) for message in self.general.errors]
        for field in self:
            out += [(field, message) for message in field.errors]
        return out


def registration_form_class(event, *, organizer=False, editing=False):
    """The form class of this event's registration: the fixed fields plus its custom questions.

    Built once per event, variant and rules version (``events.rules``), and shared by every
    request: labels are chosen by language when the page is rendered. The form does not
    validate: ``validation.clean`` does, for every field at once (the web form, the personal page
    and the CSV import refuse exactly the same input), and CSRFProtect checks the token of every
    POST before the view runs."""
    rules = rules_of(event)
    return rules.derived(("registration_form", bool(organizer), bool(editing)),
                         lambda: _build_form_class(rules, organizer=organizer, editing=editing))


def _build_form_class(rules, *, organizer, editing):
    class RegistrationForm(RegistrationFormBase):
        name = StringField(_l("Name"), render_kw={"data-required": "1", **_limit("name")})
        organisation = StringField(_l("Organisation"), render_kw={"data-required": "1", **_limit("organisation")})
        org_type = SelectField(_l("Type of organisation"), choices=list(ORG_TYPES.items()), validate_choice=False)
        position = StringField(_l("Position"), render_kw=_limit("position"))
        mobile = TelField(_l("Mobile number"), render_kw={"data-required": "1"})
        email = EmailField(_l("E-mail"), render_kw={"data-required": "1"})
        tags = MultiCheckboxField(_l("Interests"), choices=[(t, rules.tag_label(t)) for t in rules.tags],
                                  validate_choice=False)

    if not editing:
        allowed = CATEGORIES if organizer else {k: CATEGORIES[k] for k in PUBLIC_CATEGORIES}
        RegistrationForm.category = SelectField(_l("I take part as"), choices=list(allowed.items()),
                                                default="attendee", validate_choice=False)
    for question in rules.questions:
        name = f"q_{question.id}"
        label = question.lazy_label
        render_kw = {"data-required": "1" if question.required else "0"}
        if question.kind == "multi":
            field = MultiCheckboxField(label, choices=[(o, question.option_label(o)) for o in question.options],
                                       validate_choice=False, render_kw=render_kw)
        elif question.kind == "choice":
            field = SelectField(label, choices=[("", "—")] + [(o, question.option_label(o)) for o in question.options],
                                validate_choice=False, render_kw=render_kw)
        elif question.kind == "yesno":
            field = RadioField(label, choices=[("yes", _l("Yes")), ("no", _l("No"))],
                               validate_choice=False, render_kw=render_kw)
        elif question.kind == "textarea":
            field = TextAreaField(label, render_kw={**render_kw, "data-maxlength": str(LIMITS["answer"])})
        else:
            field = StringField(label, render_kw={**render_kw, "data-maxlength": str(LIMITS["answer"])})
        setattr(RegistrationForm, name, field)
    RegistrationForm.question_ids = tuple(q.id for q in rules.questions)
    return RegistrationForm


class ResendForm(FlaskForm):
    """"Send my link again", on the registration page beside the registration form: its own
    prefix, so that none of its ids (``resend-email``, ``resend-csrf_token``) is the main form's."""

    email = EmailField(_l("E-mail you registered with"))
    #: filled in when the offer follows a refused second registration (the number typed there)
    mobile = HiddenField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "resend")
        super().__init__(*args, **kwargs)


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


def form_to_data(form, event=None) -> RegistrationData:
    return RegistrationData(
        name=form.name.data, organisation=form.organisation.data, org_type=form.org_type.data,
        position=form.position.data, mobile=form.mobile.data, email=form.email.data,
        category=form.category.data if hasattr(form, "category") else "",
        tags=form.tags.data or [],
        answers={str(qid): getattr(form, f"q_{qid}").data for qid in form.question_ids})


class MessageForm(FlaskForm):
    """A message to all or some registrants: by category and status (none ticked: all of them)."""
    categories = MultiCheckboxField(_l("Categories"), choices=list(CATEGORIES.items()))
    statuses = MultiCheckboxField(_l("Statuses"), choices=list(STATUSES.items()), default=["approved"])
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Please write a subject.")), Length(max=200)])
    body = TextAreaField(_l("Message text"), validators=[DataRequired(_l("Please write the message.")), Length(max=20000)],
                         render_kw={"rows": 10})
