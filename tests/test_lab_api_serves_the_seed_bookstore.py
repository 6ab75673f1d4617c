"""The lab's API answers like the seed's Bookstore, and its static files come from the CDN."""

import json
import re

from bookstore_resil.lab.http import http_get, http_request


def test_books_are_hyperlinked_with_nested_authors_as_in_the_seed(lab):
    base = lab.router_url()
    root = json.loads(http_get(base + "/").body)
    assert root == {"authors": f"{base}/authors/", "books": f"{base}/books/"}

    book = json.loads(http_get(base + "/books/1/").body)

    assert book == {
        "url": f"{base}/books/1/",
        "authors": [
            {
                "url": f"{base}/authors/1/",
                "birth_date": "1947-09-21",
                "first_name": "Stephen",
                "last_name": "King",
            }
        ],
        "publication_date": "1978-09-01",
        "title": "The Stand",
    }


def test_authors_and_books_can_be_created_updated_and_deleted(lab):
    base = lab.router_url()
    author = {"first_name": "Mary", "last_name": "Shelley", "birth_date": "1797-08-30"}
    created = http_request("POST", base + "/authors/", author)
    assert created.status == 201
    author_url = json.loads(created.body)["url"]
    book = {"title": "Frankenstein", "publication_date": "1818-01-01", "authors": [author_url]}
    made = http_request("POST", base + "/books/", book)
    assert made.status == 201
    book_url = json.loads(made.body)["url"]
    assert json.loads(made.body)["authors"][0]["last_name"] == "Shelley"

    patched = http_request("PATCH", book_url, {"title": "Frankenstein; or, The Modern Prometheus"})
    assert json.loads(patched.body)["title"].endswith("Prometheus")

    assert http_request("DELETE", book_url).status == 204
    assert http_request("DELETE", author_url).status == 204
    assert http_get(book_url).status == 404


def test_static_files_are_served_by_the_cdn_not_the_api(lab):
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(lab.router_url())
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("GET", "/books/", headers={"Accept": "text/html"})
    page = conn.getresponse().read().decode()
    conn.close()

    stylesheets = re.findall(r'href="([^"]+\.css)"', page)
    cdn = lab.records().cdn + "/cdn.bookstore.pingpublications.com/static/"
    assert stylesheets and all(url.startswith(cdn) for url in stylesheets)
    assert http_get(stylesheets[0]).status == 200
