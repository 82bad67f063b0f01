"""`train encoder|summarizer|reader [--max-minutes M]`: fine-tune one model on the corpus (model_train)."""

from django.core.management.base import BaseCommand, CommandError

from physlit.registry.services import RegistryError
from physlit.training.services import TRAINERS, model_train, trained_already


class Command(BaseCommand):
    help = "Fine-tune a model on the corpus; a better summarizer or reader becomes current."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(TRAINERS))
        parser.add_argument("--max-minutes", type=float, default=30.0, help="training budget (default 30)")
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="skip when this kind was trained already (a reader of an older format is trained again)",
        )

    def handle(self, *args, **options):
        if options["max_minutes"] <= 0:
            raise CommandError("--max-minutes must be positive")
        kind = options["kind"]
        if options["if_none"] and trained_already(kind):
            self.stdout.write(f"a {kind} was trained already (models list); nothing to do")
            return
        try:
            version = model_train(kind=kind, max_minutes=options["max_minutes"], log=self.stdout.write)
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{version.label}: score {version.score:.4f} ({version.status}), {version.path}")
