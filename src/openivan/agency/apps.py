from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "openivan.agency"
    verbose_name = "Cơ quan BHXH (agency)"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from openivan.agency import checks  # noqa: F401  (registers the deployment checks)
        from openivan.agency.services import evidence

        # `flush` (and a test's teardown) empties the tables and then sends post_migrate: the
        # CRLs this process saw stored are gone with them.
        post_migrate.connect(evidence.forget_stored, dispatch_uid="openivan.evidence")

        from openivan.agency.plugs import plug

        plug(self.name)

        from openivan.agency import background

        background.register()  # its sweeps, run by the worker (platform/jobs.py)
