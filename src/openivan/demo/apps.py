from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "openivan.demo"
    label = "demo"
    verbose_name = "Demo"

    def ready(self) -> None:
        from openivan.demo.plugs import plug

        plug(self.name)
