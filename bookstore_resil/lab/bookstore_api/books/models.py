from django.db import models


class Author(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Book(models.Model):
    title = models.CharField(max_length=200)
    publication_date = models.DateField(null=True, blank=True)
    authors = models.ManyToManyField(Author, related_name="books", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


# A canary's sequence number fits PostgreSQL's integer, and the event log's whole numbers.
MAX_CANARY_SEQ = 2**31 - 1


class Canary(models.Model):
    """A data-loss canary of an exercise (``bookstore_resil.lab.canary``), kept apart from
    the books so that no public read lists it: its run, its number, and its proof (an HMAC
    with the run's secret) that the exercise wrote it."""

    run = models.CharField(max_length=32)
    seq = models.PositiveIntegerField()
    proof = models.CharField(max_length=64)

    class Meta:
        # With the proof: a forged record never takes the place of the real one.
        constraints = [
            models.UniqueConstraint(fields=["run", "seq", "proof"], name="canary_run_seq_proof")
        ]
