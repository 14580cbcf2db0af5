from django.urls import path

from esafety.mailmonitor import views

app_name = "mailmonitor"

urlpatterns = [
    path("", views.captured_list, name="captured"),
    path("<int:pk>/", views.captured_detail, name="detail"),
    path("<int:pk>/authorise/", views.authorise, name="authorise"),
    path("settings/", views.monitor_settings, name="settings"),
]
