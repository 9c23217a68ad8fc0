from django.apps import AppConfig


class MemesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "memes"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers (whose autodiscovery
        # imports them). services.pipeline queues jobs by task name; with the task registered,
        # CELERY_TASK_ALWAYS_EAGER (no broker set, tests) runs it in-process, and a web process sends
        # it to the broker. Imports stay one-way: tasks -> services, never back.
        from . import tasks  # noqa: F401
