from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .models import DEMAND_KINDS, ZONES


class MeetingRequestForm(FlaskForm):
    from_name = StringField(_l("Your name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=50)])
    from_contact = StringField(_l("Mobile number or e-mail"), validators=[
        DataRequired(_l("Please enter a mobile number or e-mail address.")), Length(max=255)])
    topic = StringField(_l("Topic"), validators=[Length(max=200)])
    message = TextAreaField(_l("Message"), validators=[Length(max=2000)])


class ProfileForm(FlaskForm):
    summary_zh = TextAreaField(_l("Introduction (Chinese)"), validators=[Length(max=5000)])
    summary_en = TextAreaField(_l("Introduction (English)"), validators=[Length(max=5000)])
    specialties = TextAreaField(_l("Specialties (GCP-certified for hospitals), one per line"), validators=[Length(max=3000)])
    tags = TextAreaField(_l("Tags, one per line"), validators=[Length(max=3000)])
    trial_capacity = TextAreaField(_l("Clinical-trial capacity"), validators=[Length(max=5000)])
    projects = TextAreaField(_l("Technology-transfer projects"), validators=[Length(max=5000)])
    needs = TextAreaField(_l("Drug and device needs"), validators=[Length(max=5000)])
    products = TextAreaField(_l("Products"), validators=[Length(max=5000)])
    strengths = TextAreaField(_l("Technical strengths"), validators=[Length(max=5000)])
    cooperation = TextAreaField(_l("Cooperation intentions"), validators=[Length(max=5000)])
    submit_for_review = BooleanField(_l("Submit for review now"))


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[("logo", _l("Logo (PNG or JPEG, 2 MB)")),
                                            ("brochure", _l("Brochure (PDF, 10 MB)"))])
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])


class BoothApplicationForm(FlaskForm):
    zone = SelectField(_l("Zone"), choices=[("", "—")] + list(ZONES.items()), validate_choice=False)
    preferences = StringField(_l("Preferred booths, e.g. H01 H02"), validators=[Length(max=100)])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class DemandForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(DEMAND_KINDS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    tags = StringField(_l("Tags, separated by spaces"), validators=[Length(max=300)])


class LeadForm(FlaskForm):
    code = StringField(_l("Visitor's badge code"), validators=[DataRequired(_l("Please scan or type the badge code.")),
                                                              Length(max=200)])
    consent = BooleanField(_l("The visitor agrees to share their contact details with us"))
    note = StringField(_l("Note"), validators=[Length(max=500)])


class BoothForm(FlaskForm):
    code = StringField(_l("Booth code"), validators=[DataRequired(_l("Please enter the booth code.")), Length(max=16)])
    zone = SelectField(_l("Zone"), choices=list(ZONES.items()))
    x = StringField(_l("x (m)"), default="0")
    y = StringField(_l("y (m)"), default="0")
    width = StringField(_l("Width (m)"), default="3")
    depth = StringField(_l("Depth (m)"), default="2")
    label = StringField(_l("Label (district boards)"), validators=[Length(max=100)])
