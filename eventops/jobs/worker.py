"""The Celery application of a Flask app (the pattern of Flask's own documentation): every task
runs inside the app's context, with its configuration and database.

Workers start with ``celery -A wsgi:celery_app worker`` and the periodic sweep with
``celery -A wsgi:celery_app beat`` (README, production). Tasks are found by name through
``app.extensions["celery"].tasks[NAME]``, never through a module-level Celery object, so each
app (tests make one per test) sends to its own broker.
"""
from celery import Celery, Task
from celery.signals import worker_process_init

from ..extensions import db

SWEEP_TASK = "eventops.jobs.sweep"
SWEEP_SECONDS = 30.0


def init_app(app) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    cfg = app.config
    broker = cfg["CELERY_BROKER_URL"]
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=cfg["CELERY_RESULT_BACKEND"],
        task_always_eager=bool(cfg.get("CELERY_EAGER")),
        task_eager_propagates=True,
        task_store_eager_result=False,
        # a task is acknowledged when it ends, and put back when its worker process dies (kill -9):
        # the job's own lease and fence (services) make the second run harmless
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        task_default_queue="eventops",
        broker_connection_retry_on_startup=True,
        # sending a task from a request gives up quickly when the broker is away (the rows wait
        # in the database for the sweep): a request never hangs on the queue
        broker_connection_timeout=2,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        # Redis gives an unacknowledged task to another worker after visibility_timeout; the
        # jobs' leases and the sweep do not wait for it
        broker_transport_options={"visibility_timeout": 3600, "socket_timeout": 5, "socket_connect_timeout": 2}
        if broker.startswith("redis") else {},
        redis_socket_timeout=5,
        redis_socket_connect_timeout=2,
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule={"sweep": {"task": SWEEP_TASK, "schedule": SWEEP_SECONDS}},
    )
    celery.set_default()
    app.extensions["celery"] = celery
    _latest[:] = [app]
    return celery


_latest = []  # the app a worker process was started with (one per worker)


@worker_process_init.connect
def _fresh_connections(**_kwargs):
    """A forked pool process must not share its parent's database connections."""
    for app in _latest:
        with app.app_context():
            db.engine.dispose(close=False)


def send(app, name: str, args=(), **options):
    """Send the task ``name`` of ``app``'s Celery application (run in place when eager)."""
    return app.extensions["celery"].tasks[name].apply_async(args=list(args), **options)
