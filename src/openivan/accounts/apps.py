from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openivan.accounts"
    label = "accounts"
    verbose_name = "Tài khoản"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from openivan.accounts.middleware import mark_sign_in

        user_logged_in.connect(mark_sign_in, dispatch_uid="openivan.accounts.mark_sign_in")

        from openivan.accounts.plugs import plug

        plug(self.name)

        from openivan.accounts import background

        background.register()  # its sweep, run by the worker (platform/jobs.py)
