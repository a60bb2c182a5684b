from django.urls import path

from openivan.provider import certificate_pages, declaring, signup, views

app_name = "provider"
urlpatterns = [
    path("ivan/", views.home, name="home"),
    path("ivan/dang-nhap/", views.LoginView.as_view(), name="login"),
    path("ivan/chon-don-vi/", views.choose_unit, name="choose"),
    path("ivan/don-vi/<str:tax_code>/", views.unit_profile, name="unit"),
    path("ivan/don-vi/<str:tax_code>/chung-thu-so/", views.unit_certificates,
         name="certificates"),
    path("ivan/don-vi/<str:tax_code>/lich-su/", views.history, name="history"),
]
urlpatterns += [
    path("ivan/don-vi/<str:tax_code>/lich-su/xuat.csv", views.history_export,
         name="history-csv"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/",
         views.transaction_detail, name="transaction"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/ho-so.xml",
         views.transaction_file, name="transaction-xml"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/tra-loi/<str:kind>.xml",
         views.transaction_file, name="answer-xml"),
]
urlpatterns += [
    path("ivan/don-vi/<str:tax_code>/khai/<str:kind>/", declaring.new, name="declare"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/sua/", declaring.edit,
         name="declaration"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/ky/", declaring.sign,
         name="sign"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/huy-ky/",
         declaring.cancel_signing, name="cancel-signing"),
    path("ivan/don-vi/<str:tax_code>/giao-dich/<int:transaction_id>/trang-thai/",
         declaring.status, name="status"),
]
urlpatterns += [
    path("ivan/don-vi/<str:tax_code>/chung-thu-so/them/", certificate_pages.add,
         name="certificate-add"),
    path("ivan/don-vi/<str:tax_code>/chung-thu-so/<int:certificate_id>/kich-hoat/",
         certificate_pages.activate, name="certificate-activate"),
]
urlpatterns += [
    path("ivan/dang-ky/", signup.sign_up, name="signup"),
    path("ivan/dang-ky/xac-nhan/<str:token>/", signup.confirm, name="signup-confirm"),
]
