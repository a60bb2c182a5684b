from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "openivan.agency"
    verbose_name = "Cơ quan BHXH (agency)"
