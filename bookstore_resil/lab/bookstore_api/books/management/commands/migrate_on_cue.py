"""``manage.py migrate_on_cue``: Django and the migration files loaded now, ``migrate`` run
when the line ``migrate`` comes on standard input, nothing at the end of input. A cold
``lab up`` starts it beside ``initdb``, so Django's own start (about 0.6 s, most of what a
migrate of the Bookstore costs) is not on the database's path."""

import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db.migrations.loader import MigrationLoader


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        MigrationLoader(None, ignore_no_migrations=True)  # reads the migration files
        if sys.stdin.readline().strip() == "migrate":
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
