from django.urls import path

from esafety.filtering import policy_views, views

app_name = "filtering"
urlpatterns = [
    path("", views.home, name="home"),
    path("blocked/", views.blocked, name="blocked"),
    path("report/", views.report_wrong_block, name="report"),
    path("report/sent/", views.report_sent, name="report_sent"),
    path("unblocks/", views.unblocks, name="unblocks"),
    path("unblocks/new/", views.unblock_new, name="unblock_new"),
    path("unblocks/<int:pk>/", views.unblock_detail, name="unblock"),
    path("unblocks/<int:pk>/<str:decision>/", views.unblock_decide, name="unblock_decide"),
    path("attempts/", views.attempts, name="attempts"),
    path("attempts/load/", views.attempts_load, name="attempts_load"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/resolve/", views.report_resolve, name="report_resolve"),
    path("suspensions/", views.suspensions, name="suspensions"),
    path("suspensions/<int:pk>/lift/", views.suspension_lift, name="suspension_lift"),
    path("policy/", policy_views.policy, name="policy"),
    path("policy/rule/", policy_views.policy_rule, name="policy_rule"),
    path("policy/category/<int:pk>/statutory/", policy_views.policy_statutory, name="policy_statutory"),
    path("policy/group/<str:group>/", policy_views.policy_group, name="policy_group"),
    path("policy/working-time/", policy_views.policy_working_time, name="policy_working_time"),
    path("policy/entries/", policy_views.policy_entry_add, name="policy_entry_add"),
    path("policy/entries/<int:pk>/remove/", policy_views.policy_entry_remove, name="policy_entry_remove"),
    path("policy/try/", policy_views.policy_decide, name="policy_decide"),
    path("policy/settings/", policy_views.policy_settings, name="policy_settings"),
    path("policy/staff-social-networks/", policy_views.policy_staff_social,
         name="policy_staff_social"),
]
