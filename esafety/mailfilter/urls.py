from django.urls import path

from esafety.mailfilter import views

app_name = "mailfilter"

urlpatterns = [
    path("held/", views.held_list, name="held"),
    path("held/<int:pk>/", views.held_detail, name="held_detail"),
    path("held/<int:pk>/authorise/", views.held_authorise, name="held_authorise"),
    path("held/<int:pk>/<str:decision>/", views.held_decide, name="held_decide"),
    path("settings/", views.settings_page, name="settings"),
    path("approved-groups/", views.group_approvals, name="group_approvals"),
    path("approved-groups/<int:pk>/remove/", views.group_approval_remove,
         name="group_approval_remove"),
]
