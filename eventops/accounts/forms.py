from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Please enter your e-mail address.")), Length(max=255)])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"),
                             validators=[DataRequired(_l("Please enter a password.")), Length(min=10, max=200, message=_l("Use 10 to 200 characters."))])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(_l("Please enter the password again.")), EqualTo("password", _l("The two passwords differ."))])
