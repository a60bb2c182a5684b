from django.urls import path

from openivan.demo import views

app_name = "demo"
urlpatterns = [
    path("hop-thu/", views.mailbox_list, name="mailbox"),
    path("hop-thu/<str:key>/", views.mailbox_letter, name="letter"),
    path("ung-dung-xac-thuc/", views.authenticator, name="authenticator"),
]
