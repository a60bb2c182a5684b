from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "openivan.platform"
    label = "platform"
    verbose_name = "OpenIVAN"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from openivan.platform.services.audit import admin_logged

        post_save.connect(admin_logged, sender=LogEntry, dispatch_uid="audit-admin-log")

        from openivan.platform import jobs
        from openivan.platform.services.monitoring import forget_gone_workers
        from openivan.platform.services.throttles import sweep_throttles

        jobs.register_periodic("throttles_forgotten", sweep_throttles)
        jobs.register_periodic("workers_forgotten", forget_gone_workers)
