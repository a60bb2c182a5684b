from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "openivan.portal"
    verbose_name = "Cổng cá nhân (portal)"

    def ready(self) -> None:
        from openivan.portal.plugs import plug

        plug(self.name)

        from openivan.portal import background

        background.register()  # its queues and sweeps, run by the worker (platform/jobs.py)
