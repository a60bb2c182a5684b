from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openivan.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"
