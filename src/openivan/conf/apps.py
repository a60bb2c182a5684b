from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "openivan.conf"
    label = "platform"
    verbose_name = "OpenIVAN"
