"""Long work on the job queue (Celery): badge prints, imports, the scheduler, messages to many
people, reports. A request records a :class:`~.models.Job` and returns; a worker runs it, with a
progress bar the job's page shows, and keeps the result or the error (``services``)."""
