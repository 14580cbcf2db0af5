from django.urls import path

from esafety.concerns import views

app_name = "concerns"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("email-problems/", views.email_problems, name="email_problems"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/seen/", views.mark_seen, name="seen"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
]
