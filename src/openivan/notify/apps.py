from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "openivan.notify"
    label = "notify"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from openivan.notify.plugs import plug

        plug(self.name)

        from openivan.notify import background

        background.register()  # the `email` queue and its sweep (platform/jobs.py)
