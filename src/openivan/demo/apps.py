from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "openivan.demo"
    label = "demo"
    verbose_name = "Demo"
