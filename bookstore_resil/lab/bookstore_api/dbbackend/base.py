import os
from pathlib import Path

from django.db.backends.postgresql import base

from bookstore_resil.lab.pgclient import params
from bookstore_resil.lab.state import Lab

from ..records import host_port


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        """The ``db`` record's server, reached as every client of the lab reaches it
        (:func:`bookstore_resil.lab.pgclient.params`: the server must prove itself)."""
        connection = super().get_connection_params()
        host, port = self.server = host_port("db")
        if not port:
            return {**connection, "host": host, "port": port}
        lab = Lab(Path(os.environ["BOOKSTORE_LAB_RECORDS"]).parent)
        return {**connection, **params(lab, host, int(port), connection["dbname"])}

    def close_if_unusable_or_obsolete(self):
        """At each request's start and end (Django's signals): also closed when the
        ``db`` record has moved since it was opened."""
        if self.connection is not None and host_port("db") != self.server:
            self.close()
        super().close_if_unusable_or_obsolete()
