from django_tasks import task


@task()
def ping() -> str:
    """Proves a worker is running: the status page shows when it last answered."""
    return "pong"
