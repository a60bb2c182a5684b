from django.urls import path

from openivan.portal import declaring

app_name = "portal"
urlpatterns: list = []
# 01/ĐK-GD: the form, its confirmation, the desk path, signing with a token, the status lookup.
urlpatterns += [
    path("ca-nhan/dang-ky/", declaring.new, name="declare"),
    path("ca-nhan/dang-ky/xac-nhan/", declaring.confirm, name="confirm"),
    path("ca-nhan/dang-ky/ky/", declaring.sign, name="sign"),
    path("ca-nhan/to-khai/<str:code>/", declaring.desk_done, name="desk-done"),
    path("ca-nhan/to-khai/<str:code>/mau-01.pdf", declaring.desk_pdf, name="desk-pdf"),
    path("ca-nhan/tra-cuu/", declaring.lookup, name="lookup"),
    path("ca-nhan/tra-cuu/<str:code>/", declaring.status, name="status"),
    path("ca-nhan/tra-cuu/<str:code>/trang-thai/", declaring.status_box, name="status-box"),
]
