"""The Celery tasks: run a job, and the periodic sweep (jobs and mail). Their bodies are in
``services`` and ``core.mail``; a task only adds what the queue needs (when to try again)."""
from celery import shared_task

from ..core import mail
from . import services
from .worker import SWEEP_TASK


@shared_task(bind=True, name=services.RUN_TASK, max_retries=None, ignore_result=True)
def run_job(self, job_id: int) -> str:
    outcome = services.execute(job_id, worker=self.request.hostname or "")
    if outcome in ("busy", "retry") and not self.request.is_eager:
        # busy: another delivery holds the job; after its lease we know whether it is alive.
        # retry: an unexpected error; the next attempt comes a little later.
        raise self.retry(countdown=services.lease_seconds() + 1 if outcome == "busy" else 15)
    return outcome


@shared_task(name=mail.DELIVER_TASK, ignore_result=True)
def deliver_mail(message_id: int) -> str:
    return mail.deliver(message_id)


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep() -> dict:
    return {"mail": mail.retry_due(), **services.sweep()}
