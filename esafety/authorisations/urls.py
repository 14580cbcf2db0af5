from django.urls import path

from esafety.authorisations import views

app_name = "authorisations"

urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.new_request, name="new"),
    path("nominee/", views.nominee, name="nominee"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/use/", views.record_use, name="use"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
