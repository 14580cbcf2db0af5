from django.urls import path

from esafety.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.pack, name="pack"),
    path("pack.pdf", views.pack_pdf, name="pack_pdf"),
]
