from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "openivan.notify"
    label = "notify"
    verbose_name = "Thông báo"
