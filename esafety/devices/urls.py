from django.urls import path

from esafety.devices import views

app_name = "devices"

urlpatterns = [
    path("", views.home, name="home"),
    path("exceptions/", views.exceptions, name="exceptions"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.device, name="device"),
    path("<int:pk>/lend/", views.lend, name="lend"),
    path("<int:pk>/lost/", views.report_loss, name="report_loss"),
    path("loans/<int:pk>/return/", views.give_back, name="give_back"),
    path("software/", views.software, name="software"),
    path("software/<int:pk>/decide/", views.software_decide, name="software_decide"),
    path("own-devices/", views.byod, name="byod"),
    path("own-devices/<int:pk>/end/", views.byod_end, name="byod_end"),
]
