"""What every domain's views share about forms."""
from flask import flash


def attach_errors(form, errors: dict) -> None:
    """Show a service's per-field messages (InvalidInput.errors) next to the form's fields;
    a message for a field the form does not have is flashed instead."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")
