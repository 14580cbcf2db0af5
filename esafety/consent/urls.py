from django.urls import path

from esafety.consent import views

app_name = "consent"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("pupils/<int:pk>/", views.pupil, name="pupil"),
    path("export/", views.export, name="export"),
    path("published/", views.items, name="items"),
    path("published/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("accounts/", views.channels, name="channels"),
    path("accounts/<int:pk>/", views.channel, name="channel"),
    path("accounts/<int:pk>/approve/", views.channel_approve, name="channel_approve"),
    path("my-children/", views.family, name="family"),
]
