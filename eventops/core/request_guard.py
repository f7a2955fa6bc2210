"""Control characters are refused before any view sees them.

A NUL byte reaches PostgreSQL as an error (text cannot hold it) and other control characters have
no business in a name, a search or an address; anything that carries one, in the path, the query
string, a form field or file name, or a JSON body, is answered 400 with a message, on every route.
Tab, line feed and carriage return are allowed in values (a note has lines), never in the path.
"""
import re

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

# C0 controls, DEL and the C1 controls
_IN_PATH = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ControlCharacters(BadRequest):
    code = 400
    error = "control_characters"
    description = _l("The request contains control characters (such as a NUL byte), which no field accepts. "
                     "Please remove them and try again.")


def _bad(value: str, pattern=_IN_VALUE) -> bool:
    return bool(pattern.search(value))


def _json_has_controls(value) -> bool:
    if isinstance(value, str):
        return _bad(value)
    if isinstance(value, dict):
        return any(_json_has_controls(k) or _json_has_controls(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_controls(v) for v in value)
    return False


def refuse_control_characters():
    if _bad(request.path, _IN_PATH):
        raise ControlCharacters()
    for key, value in request.args.items(multi=True):
        if _bad(key) or _bad(value):
            raise ControlCharacters()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            if _json_has_controls(request.get_json(silent=True)):
                raise ControlCharacters()
        else:
            for key, value in request.form.items(multi=True):
                if _bad(key) or _bad(value):
                    raise ControlCharacters()
            for key, upload in request.files.items(multi=True):
                if _bad(key) or _bad(upload.filename or "", _IN_PATH):
                    raise ControlCharacters()


def init_app(app) -> None:
    # first of all before_request functions: nothing else reads the request before it is checked
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
