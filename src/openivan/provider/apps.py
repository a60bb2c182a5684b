from django.apps import AppConfig


class ProviderConfig(AppConfig):
    name = "openivan.provider"
    verbose_name = "Tổ chức I-VAN (provider)"
