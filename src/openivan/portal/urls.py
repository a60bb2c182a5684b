from django.urls import path

from openivan.portal import desk

app_name = "portal"
urlpatterns: list = [
    # The reception desk and the records of insured persons, in the agency's console.
    path("co-quan/tiep-nhan/", desk.queue, name="desk"),
    path("co-quan/tiep-nhan/nhap-to-khai-giay/", desk.paper, name="desk-paper"),
    path("co-quan/tiep-nhan/<str:reference>/", desk.declaration, name="desk-declaration"),
    path("co-quan/tiep-nhan/<str:reference>/quyet-dinh/", desk.decide, name="desk-decide"),
    path("co-quan/du-lieu-quan-ly/", desk.imports, name="records-imports"),
    path("co-quan/du-lieu-quan-ly/<int:pk>/", desk.import_report, name="records-import"),
]
