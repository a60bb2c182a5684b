from django_tasks import task

from openivan.notify import services


@task()
def deliver(notification_id: int) -> str:
    """Send one outbox row (at most once; retries are new jobs scheduled with backoff)."""
    return services.deliver(notification_id)

