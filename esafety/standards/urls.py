from django.urls import path

from esafety.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.status, name="status"),
    path("roles/", views.roles_page, name="roles"),
    path("decisions/", views.register_page, name="register"),
    path("decisions/history/", views.register_history, name="register_history"),
    path("checks/", views.checks_page, name="checks"),
    path("checks/run/", views.run_check, name="run_check"),
    path("checks/<int:pk>/", views.check_detail, name="check"),
    path("reviews/", views.reviews_page, name="reviews"),
    path("reviews/<int:pk>/actions/", views.add_action, name="add_action"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("export/<str:which>.csv", views.export, name="export"),
]
