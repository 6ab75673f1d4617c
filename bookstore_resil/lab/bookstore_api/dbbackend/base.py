from django.db.backends.postgresql import base

from ..records import host_port


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["host"], params["port"] = host_port("db")
        return params
