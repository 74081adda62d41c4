from django.urls import path

from . import views

app_name = "calendar_app"

urlpatterns = [
    path("publish-scheduled-posts", views.publish_scheduled_posts, name="publish-scheduled-posts"),
]
