"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``; the job queue's workers:
``celery -A wsgi:celery_app worker`` (and one ``celery -A wsgi:celery_app beat``)."""
import gc

from eventops import create_app

app = create_app()
celery_app = app.extensions["celery"]
# the application's own objects live as long as the process: keep them out of the garbage
# collector's full passes (each one would otherwise walk ~150k objects)
gc.freeze()
