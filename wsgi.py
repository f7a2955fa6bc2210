"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""
import gc

from eventops import create_app

app = create_app()
# the application's own objects live as long as the process: keep them out of the garbage
# collector's full passes (each one would otherwise walk ~150k objects)
gc.freeze()
