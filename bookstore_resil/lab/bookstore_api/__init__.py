"""The Bookstore API of the lab: a Django project, copied into each instance's folder.

Not imported by ``bookstore_resil``: it runs inside gunicorn, from its own folder, as the
top-level package ``bookstore_api``.
"""
