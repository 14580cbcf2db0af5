from django.urls import path

from esafety.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("all-read/", views.mark_all_read, name="all_read"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/seen/", views.acknowledge, name="acknowledge"),
    path("preferences/", views.preferences, name="preferences"),
    path("urgent-contacts/", views.urgent_contacts, name="urgent_contacts"),
    path("email-problems/", views.email_problems, name="email_problems"),
    path("failed-tasks/", views.failed_tasks, name="failed_tasks"),
    path("told/<str:about_type>/<int:pk>/", views.told_about, name="told_about"),
]
