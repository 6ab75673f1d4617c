"""The seed data: the seed's Stephen King / The Stand, and a few more."""

from django.db import migrations

AUTHORS = {
    "king": ("Stephen", "King", "1947-09-21"),
    "le-guin": ("Ursula K.", "Le Guin", "1929-10-21"),
    "butler": ("Octavia E.", "Butler", "1947-06-22"),
    "pratchett": ("Terry", "Pratchett", "1948-04-28"),
    "gaiman": ("Neil", "Gaiman", "1960-11-10"),
}
BOOKS = [
    ("The Stand", "1978-09-01", ["king"]),
    ("The Left Hand of Darkness", "1969-03-01", ["le-guin"]),
    ("Kindred", "1979-06-01", ["butler"]),
    ("Good Omens", "1990-05-01", ["pratchett", "gaiman"]),
    ("The Shining", "1977-01-28", ["king"]),
]


def seed(apps, schema_editor):
    author_model = apps.get_model("books", "Author")
    book_model = apps.get_model("books", "Book")
    authors = {
        key: author_model.objects.create(first_name=first, last_name=last, birth_date=born)
        for key, (first, last, born) in AUTHORS.items()
    }
    for title, published, keys in BOOKS:
        book = book_model.objects.create(title=title, publication_date=published)
        book.authors.set(authors[key] for key in keys)


class Migration(migrations.Migration):
    dependencies = [("books", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
