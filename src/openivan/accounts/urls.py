from django.contrib.auth import views as auth_views
from django.urls import path

from openivan.accounts import views
from openivan.accounts.middleware import second_factor_exempt

app_name = "accounts"
urlpatterns = [
    path("", views.AccountView.as_view(), name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", second_factor_exempt(auth_views.LogoutView.as_view(next_page="/")),
         name="logout"),
    path("xac-thuc-hai-lop/", second_factor_exempt(views.SecondFactorView.as_view()),
         name="second_factor"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
]
