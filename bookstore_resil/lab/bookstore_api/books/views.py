from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Author, Book, Canary
from .serializers import AuthorSerializer, BookSerializer, CanarySerializer


class AuthorViewSet(viewsets.ModelViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.prefetch_related("authors")
    serializer_class = BookSerializer


class CanaryWrite(APIView):
    """``POST /canary/``: an exercise's canary, written through the API like any write.
    Write-only: no read lists the canaries (the exercise reads them from the database)."""

    def post(self, request):
        canary = CanarySerializer(data=request.data)
        canary.is_valid(raise_exception=True)
        Canary.objects.bulk_create([Canary(**canary.validated_data)], ignore_conflicts=True)
        return Response(canary.data, status=status.HTTP_201_CREATED)
