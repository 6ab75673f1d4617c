"""PostgreSQL, with the server's address looked up in the lab's ``db`` record."""
