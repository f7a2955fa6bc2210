"""What every domain's views share about forms."""
from flask import flash
from flask_wtf import FlaskForm


def attach_errors(form, errors: dict) -> None:
    """Show a service's per-field messages (InvalidInput.errors) next to the form's fields;
    a message for a field the form does not have is flashed instead."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change something. (Every POST is
    checked by CSRFProtect before the view runs; the form only puts the token into the page.)"""
