from django.apps import AppConfig


class ProviderConfig(AppConfig):
    name = "openivan.provider"
    verbose_name = "Tổ chức I-VAN (provider)"

    def ready(self) -> None:
        from openivan.provider.plugs import plug

        plug(self.name)

        from openivan.provider import background

        background.register()  # its queues and sweeps, run by the worker (platform/jobs.py)
