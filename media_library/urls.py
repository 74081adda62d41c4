from django.urls import path

from . import views

app_name = "media_library"

urlpatterns = [
    # The only public part of the library: a file behind a signed, expiring token.
    path("public/<str:token>/<str:filename>", views.public_media, name="public"),
]
