from django.core.management.base import BaseCommand

from webapp.training import starter


class Command(BaseCommand):
    help = (
        "On a database with no model, queue the starter's first model (a baseline, then a teacher and an "
        "odd-layer student); once per database, never with TOXILAB_STARTER=0. `make run` does this itself."
    )

    def handle(self, **options):
        message = starter.announce(starter.start())
        self.stdout.write(message or "Nothing to start: a model serves, the starter ran before, or it is off.")
