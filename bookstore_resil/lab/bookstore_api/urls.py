from django.urls import include, path
from rest_framework import routers

from .books.views import AuthorViewSet, BookViewSet, CanaryWrite

router = routers.DefaultRouter()
router.register("authors", AuthorViewSet)
router.register("books", BookViewSet)

# The canary's door is not on the router: the API root does not list it.
urlpatterns = [path("canary/", CanaryWrite.as_view()), path("", include(router.urls))]
