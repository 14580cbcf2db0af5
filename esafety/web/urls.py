from django.contrib.auth import views as auth_views
from django.urls import path

from esafety.policies.middleware import gate_exempt
from esafety.web.views import SignInView

urlpatterns = [
    path("sign-in/", gate_exempt(SignInView.as_view(redirect_authenticated_user=True)),
         name="login"),
    path("sign-out/", gate_exempt(auth_views.LogoutView.as_view()), name="logout"),
]
