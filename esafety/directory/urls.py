from django.urls import path

from esafety.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.people, name="people"),
    path("import/", views.people_import, name="import"),
    path("search", views.people_search, name="search"),
    path("school/", views.school_settings, name="school"),
    path("guests/new/", views.guest_new, name="guest_new"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/leave/", views.person_leave, name="leave"),
    path("<int:pk>/reinstate/", views.person_reinstate, name="reinstate"),
    path("<int:pk>/role/", views.person_role, name="role"),
]
