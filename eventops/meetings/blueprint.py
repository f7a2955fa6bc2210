"""The zone's one blueprint ("meetings"); its routes are in :mod:`.views` (organizers),
:mod:`.views_day` (the board on the day) and :mod:`.views_participant` (participants)."""
from flask import Blueprint

bp = Blueprint("meetings", __name__)
