from django.contrib import admin
from django.urls import include, path

from esafety.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("", include("esafety.web.urls")),
    path("people/", include("esafety.directory.urls")),
    path("policies/", include("esafety.policies.urls")),
    path("audit/", include("esafety.audit.urls")),
    path("checks/", include("esafety.checks.urls")),
    path("filtering/", include("esafety.filtering.urls")),
    path("incidents/", include("esafety.incidents.urls")),
    path("concerns/", include("esafety.concerns.urls")),
    path("notices/", include("esafety.notices.urls")),
    path("internet/", include("esafety.network.urls")),
    path("sign-in/", include("esafety.identity.urls")),
    path("accounts/", include("esafety.identity.oidc_urls")),
    path("mail/", include("esafety.mailfilter.urls")),
    path("mail-monitor/", include("esafety.mailmonitor.urls")),
    path("api/v1/", include("esafety.api.urls")),
    path("standards/", include("esafety.standards.urls")),
    path("authorisations/", include("esafety.authorisations.urls")),
    path("public/", include("esafety.public.urls")),
    path("consent/", include("esafety.consent.urls")),
    path("devices/", include("esafety.devices.urls")),
    path("training/", include("esafety.training.urls")),
    path("retention/", include("esafety.retention.urls")),
    path("governors/", include("esafety.governance.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "esafety.web.views.not_found"
handler500 = "esafety.web.views.server_error"
handler403 = "esafety.web.views.forbidden"
