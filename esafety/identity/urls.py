from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from esafety.identity import views
from esafety.policies.middleware import gate_exempt

app_name = "identity"

urlpatterns = [
    path("school/<slug:slug>/", views.start, name="start"),
    path("confirm/", views.confirm_email, name="confirm_email"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/check/", views.settings_check, name="settings_check"),
    path("settings/two-factor/<int:pk>/reset/", views.two_factor_reset, name="two_factor_reset"),
    path("unmatched/", views.unmatched_list, name="unmatched"),
    path("unmatched/<int:pk>/", views.unmatched_resolve, name="unmatched_resolve"),
    # Local passwords (visitors, the break-glass account): reset by email, Django's own.
    path("forgotten/", gate_exempt(auth_views.PasswordResetView.as_view(
        template_name="identity/password_reset_form.html",
        email_template_name="identity/password_reset_email.txt",
        subject_template_name="identity/password_reset_subject.txt",
        success_url=reverse_lazy("identity:password_reset_done"))), name="password_reset"),
    path("forgotten/sent/", gate_exempt(auth_views.PasswordResetDoneView.as_view(
        template_name="identity/password_reset_done.html")), name="password_reset_done"),
    path("forgotten/<uidb64>/<token>/", gate_exempt(auth_views.PasswordResetConfirmView.as_view(
        template_name="identity/password_reset_confirm.html",
        success_url=reverse_lazy("identity:password_reset_complete"))),
        name="password_reset_confirm"),
    path("forgotten/done/", gate_exempt(auth_views.PasswordResetCompleteView.as_view(
        template_name="identity/password_reset_complete.html")), name="password_reset_complete"),
]
