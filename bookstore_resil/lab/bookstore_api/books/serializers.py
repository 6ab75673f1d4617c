import hmac

from django.conf import settings
from rest_framework import serializers

from bookstore_resil.lab.identity import canary_proof

from .models import MAX_CANARY_SEQ, Author, Book, Canary


class AuthorSerializer(serializers.HyperlinkedModelSerializer):
    class Meta:
        model = Author
        fields = ["url", "birth_date", "first_name", "last_name"]


class AuthorLinkField(serializers.HyperlinkedRelatedField):
    """Reads as the nested author, as in the seed's example; writes as the author's URL
    (or an object with a ``url``)."""

    view_name = "author-detail"

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        # One serializer for every author of the request: building one copies its fields,
        # which cost more than the rest of a /books/ answer (the probes ask ten times a second).
        if not hasattr(self, "_author"):
            self._author = AuthorSerializer(context=self.context)
        return self._author.to_representation(value)

    def get_choices(self, cutoff=None):
        # The browsable API's form offers the authors by URL, what a write accepts.
        queryset = self.get_queryset()[:cutoff] if cutoff else self.get_queryset()
        link = super().to_representation
        return {link(author): self.display_value(author) for author in queryset}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("url")
        return super().to_internal_value(data)


class BookSerializer(serializers.HyperlinkedModelSerializer):
    authors = AuthorLinkField(many=True, queryset=Author.objects.all(), required=False)

    class Meta:
        model = Book
        fields = ["url", "authors", "publication_date", "title"]


class CanarySerializer(serializers.ModelSerializer):
    """A canary as written: bounded, so nothing the reader would refuse is ever stored."""

    run = serializers.RegexField(r"^[0-9a-f]{8,32}$")
    seq = serializers.IntegerField(min_value=1, max_value=MAX_CANARY_SEQ)
    proof = serializers.RegexField(r"^[0-9a-f]{64}$")

    class Meta:
        model = Canary
        fields = ["run", "seq", "proof"]
        validators: list[object] = []  # a canary written twice (a retried write) is stored once

    def validate(self, data):
        """Only the exercise's own canaries: their proof made with the lab's key."""
        expected = canary_proof(settings.LAB_ENDPOINT_KEY, data["run"], data["seq"])
        if not hmac.compare_digest(expected, data["proof"]):
            raise serializers.ValidationError("not a canary of this lab's exercises")
        return data
