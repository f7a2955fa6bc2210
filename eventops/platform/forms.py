from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from .models import DISTRICTS, LEVELS, STAGES, TRIAL_PHASES


class TopicsField(SelectMultipleField):
    """Checkboxes of the topic vocabulary (choices set by the view); the service checks them."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass


class PolicyForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(_l("Please enter the title in Chinese.")),
                                                             Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    issuer = StringField(_l("Issuing body"), validators=[DataRequired(_l("Please enter the issuing body.")),
                                                         Length(max=200)])
    level = SelectField(_l("Level"), choices=[("", "—")] + list(LEVELS.items()), validate_choice=False)
    district = SelectField(_l("District (district policies)"), choices=[("", "—")] + [(d, d) for d in DISTRICTS],
                           validate_choice=False)
    document_no = StringField(_l("Document number"), validators=[Length(max=100)])
    issued_on = StringField(_l("Issued on (YYYY-MM-DD)"), validators=[DataRequired(_l("Please enter a date."))],
                            render_kw={"type": "date"})
    valid_from = StringField(_l("In force from"), render_kw={"type": "date"})
    valid_until = StringField(_l("In force until (empty: no end date)"), render_kw={"type": "date"})
    topics = TopicsField(_l("Topics"))
    summary_zh = TextAreaField(_l("Summary (Chinese)"), validators=[Length(max=5000)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Length(max=5000)])
    source_url = StringField(_l("Link to the original"), validators=[Length(max=500)], render_kw={"type": "url"})


class AttachmentForm(FlaskForm):
    file = FileField(_l("PDF attachment (10 MB)"), validators=[FileRequired(_l("Please choose a file."))])


class ReviewForm(FlaskForm):
    note = StringField(_l("Note to the author"), validators=[Length(max=500)])


class SessionLinkForm(FlaskForm):
    session_id = SelectField(_l("Policy-interpretation session"), coerce=int, validate_choice=False)


class TrialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=300)])
    phase = SelectField(_l("Phase"), choices=[("", "—")] + list(TRIAL_PHASES.items()), validate_choice=False)
    registration_no = StringField(_l("Registry number"), validators=[Length(max=40)])
    sponsor = StringField(_l("Sponsor"), validators=[Length(max=200)])
    started_on = StringField(_l("Started on"), render_kw={"type": "date"})
    topics = TopicsField(_l("Topics"))


class AchievementForm(FlaskForm):
    event_id = SelectField(_l("Event"), coerce=int, validate_choice=False)
    organisation = StringField(_l("Organisation"), validators=[DataRequired(_l("Please enter the organisation.")),
                                                               Length(max=200)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(_l("Please enter the title in Chinese.")),
                                                             Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)])
    stage = SelectField(_l("Stage"), choices=list(STAGES.items()))
    booth_code = StringField(_l("Booth in the corridor, e.g. A01"), validators=[Length(max=16)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=3000)])
    topics = TopicsField(_l("Topics"))


class StageForm(FlaskForm):
    stage = SelectField(_l("Stage"), choices=list(STAGES.items()))


class ArticleForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(_l("Please enter the title in Chinese.")),
                                                             Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=500)])
    byline = StringField(_l("Byline"), validators=[Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(_l("Please write the article.")),
                                                            Length(max=50_000)])
    organisations = TextAreaField(_l("Hospitals and companies, one per line"), validators=[Length(max=3000)])
    contracts = TopicsField(_l("Signed contracts"), coerce=int)
    policies = TopicsField(_l("Policies"), coerce=int)
    submit_for_review = BooleanField(_l("Send for review now"))


def policy_data(form):
    """The service's input from a submitted policy form."""
    from .policies import PolicyData
    return PolicyData(**{name: getattr(form, name).data or ("" if name != "topics" else [])
                         for name in PolicyData.__dataclass_fields__})


def article_data(form) -> dict:
    return {"title_zh": form.title_zh.data, "title_en": form.title_en.data, "summary": form.summary.data,
            "byline": form.byline.data, "body": form.body.data,
            "organisations": (form.organisations.data or "").splitlines(),
            "contracts": form.contracts.data or [], "policies": form.policies.data or []}
