from django.urls import path

from openivan.portal import signin

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
