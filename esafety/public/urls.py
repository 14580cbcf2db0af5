from django.urls import path

from esafety.public import views

app_name = "public"

urlpatterns = [
    path("<slug:slug>/", views.school_home, name="home"),
    path("<slug:slug>/policies/<int:pk>/", views.policy, name="policy"),
    path("<slug:slug>/monitoring/<str:audience>/", views.monitoring, name="monitoring"),
]
