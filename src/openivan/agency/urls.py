from django.urls import path

from openivan.agency import views

app_name = "agency"
urlpatterns = [
    path("kich-hoat/<str:token>", views.activation_page, name="activation"),
    path("co-quan/ho-so/", views.dossier_list, name="dossiers"),
    path("co-quan/ho-so/xuat.csv", views.dossier_export, name="dossiers-csv"),
    path("co-quan/ho-so/<str:number>/", views.dossier_detail, name="dossier"),
    path("co-quan/ho-so/<str:number>/ho-so-goc.xml", views.dossier_original, name="original"),
    path("co-quan/ho-so/<str:number>/luu-tru.zip", views.dossier_archive, name="archive"),
    path("co-quan/ho-so/<str:number>/quyet-dinh/", views.dossier_decide, name="decide"),
    path("co-quan/ho-so/<str:number>/cap-ma-moi/", views.activation_reissue, name="reissue"),
    path("co-quan/ho-so/<str:number>/thu/<int:notification_id>/gui-lai/",
         views.notification_requeue, name="requeue"),
    path("co-quan/nhat-ky/", views.audit_log, name="audit"),
    path("co-quan/don-vi/", views.unit_list, name="units"),
    path("co-quan/don-vi/xuat.csv", views.unit_export, name="units-csv"),
    path("co-quan/don-vi/<str:tax_code>/", views.unit_detail, name="unit"),
]
