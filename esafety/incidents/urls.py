from django.urls import path

from esafety.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report_new, name="report"),
    path("settings/", views.incident_settings, name="settings"),
    path("governors-report/", views.governors_report, name="governors_report"),
    path("people/<int:person_pk>/", views.chronology, name="chronology"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/record.pdf", views.record, name="record"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/notes/", views.note, name="note"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:pk>/evidence/<int:evidence_pk>/file/", views.evidence_file, name="evidence_file"),
    path("<int:pk>/evidence/<int:evidence_pk>/withdraw/", views.evidence_withdraw,
         name="evidence_withdraw"),
    path("<int:pk>/evidence/<int:evidence_pk>/sign/", views.screenshot_sign,
         name="screenshot_sign"),
    path("<int:pk>/investigators/", views.investigator_add, name="investigator_add"),
    path("<int:pk>/access/", views.viewer_add, name="viewer_add"),
    path("<int:pk>/police/", views.police, name="police"),
    path("<int:pk>/subject/", views.subject, name="subject"),
    path("<int:pk>/judgement/", views.judge, name="judge"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/ratings/", views.rate, name="rate"),
    path("<int:pk>/sanctions/", views.sanction, name="sanction"),
    path("<int:pk>/sanctions/<int:sanction_pk>/letter.pdf", views.letter, name="letter"),
    path("<int:pk>/takedowns/", views.takedown_add, name="takedown_add"),
    path("<int:pk>/takedowns/<int:takedown_pk>/", views.takedown_update, name="takedown_update"),
]
