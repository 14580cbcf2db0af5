from django.urls import path

from esafety.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="document"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("acceptable-use/", views.my_aup, name="my_aup"),
    path("acceptable-use/children/", views.children, name="children"),
    path("acceptable-use/cosign/<int:acceptance_id>/", views.cosign, name="cosign"),
    path("agreements/", views.compliance, name="compliance"),
    path("agreements/paper/<int:person_id>/", views.paper_signature, name="paper"),
    path("agreements/forms/<int:acceptance_id>/", views.scanned_form, name="scanned_form"),
]
