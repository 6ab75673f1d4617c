"""The Bookstore API of the lab: a Django project, copied into each instance's folder.

Not imported by ``bookstore_resil``: it runs inside gunicorn, from its own folder, as the
top-level package ``bookstore_api``. It imports one module of the workbook,
``bookstore_resil.lab.identity`` (the standard library only), to prove its answers are
the lab's.
"""
