from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "openivan.agency"
    verbose_name = "Cơ quan BHXH (agency)"

    def ready(self) -> None:
        from openivan.agency import checks  # noqa: F401  (registers the deployment checks)
