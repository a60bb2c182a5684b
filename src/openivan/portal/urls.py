from django.urls import path

from openivan.portal import declaring, desk, remote, signin

app_name = "portal"
urlpatterns: list = []
# Individuals' accounts: sign in (password or an identity provider), forgot password, account.
urlpatterns += [
    path("ca-nhan/dang-nhap/", signin.PersonLoginView.as_view(), name="login"),
    path("ca-nhan/dang-nhap/<slug:key>/", signin.provider_start, name="provider-start"),
    path("ca-nhan/dang-nhap/<slug:key>/xong/", signin.provider_finish, name="provider-finish"),
    path("ca-nhan/quen-mat-khau/", signin.ForgotView.as_view(), name="forgot"),
    path("ca-nhan/quen-mat-khau/dat-lai/", signin.ResetView.as_view(), name="reset"),
    path("ca-nhan/tai-khoan/", signin.AccountView.as_view(), name="account"),
]
# 01/ĐK-GD: the form, its confirmation, the desk path, signing with a token, the status lookup.
urlpatterns += [
    path("ca-nhan/dang-ky/", declaring.new, name="declare"),
    path("ca-nhan/dang-ky/xac-nhan/", declaring.confirm, name="confirm"),
    path("ca-nhan/dang-ky/ky/", declaring.sign, name="sign"),
    path("ca-nhan/dang-ky/ky-tu-xa/", remote.start, name="sign-remote"),
    path("ca-nhan/dang-ky/ky-tu-xa/<str:token>/", remote.wait, name="sign-remote-wait"),
    path("ca-nhan/dang-ky/ky-tu-xa/<str:token>/trang-thai/", remote.wait_box,
         name="sign-remote-box"),
    path("ca-nhan/to-khai/<str:code>/", declaring.desk_done, name="desk-done"),
    path("ca-nhan/to-khai/<str:code>/mau-01.pdf", declaring.desk_pdf, name="desk-pdf"),
    path("ca-nhan/tra-cuu/", declaring.lookup, name="lookup"),
    path("ca-nhan/tra-cuu/<str:code>/", declaring.status, name="status"),
    path("ca-nhan/tra-cuu/<str:code>/trang-thai/", declaring.status_box, name="status-box"),
]
# The reception desk and the records of insured persons, in the agency's console.
urlpatterns += [
    path("co-quan/tiep-nhan/", desk.queue, name="desk"),
    path("co-quan/tiep-nhan/nhap-to-khai-giay/", desk.paper, name="desk-paper"),
    path("co-quan/tiep-nhan/<str:reference>/", desk.declaration, name="desk-declaration"),
    path("co-quan/tiep-nhan/<str:reference>/quyet-dinh/", desk.decide, name="desk-decide"),
    path("co-quan/du-lieu-quan-ly/", desk.imports, name="records-imports"),
    path("co-quan/du-lieu-quan-ly/<int:pk>/", desk.import_report, name="records-import"),
]
