"""`models list|promote ID|rollback KIND`: the trained model versions and which one serves."""

from django.core.management.base import BaseCommand, CommandError

from physlit.registry.models import ModelVersion
from physlit.registry.services import RegistryError
from physlit.training.services import promotion_request, rollback_request


class Command(BaseCommand):
    help = "List, promote or roll back trained model versions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--kind", choices=ModelVersion.Kind.values)
        sub.add_parser("promote").add_argument("id", type=int)
        sub.add_parser("rollback").add_argument("kind", choices=ModelVersion.Kind.values)

    def handle(self, *args, **options):
        try:
            getattr(self, "do_" + options["action"])(options)
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc

    def do_list(self, options):
        versions = ModelVersion.objects.all()
        if options.get("kind"):
            versions = versions.filter(kind=options["kind"])
        self.stdout.write(
            f"{'id':>4}  {'kind':<13} {'ver':>4} {'status':<10} {'score':>8} {'was':>8} "
            f"{'examples':>9} {'minutes':>8}  created           path"
        )
        for v in versions:
            was = f"{v.baseline_score:.4f}" if v.baseline_score is not None else "-"
            self.stdout.write(
                f"{v.pk:>4}  {v.kind:<13} {'v' + str(v.number):>4} {v.status:<10} {v.score:>8.4f} {was:>8} "
                f"{v.train_examples:>9} "
                f"{v.train_seconds / 60:>8.1f}  {v.created_at:%Y-%m-%d %H:%M}  {v.path}"
            )

    def do_promote(self, options):
        version = promotion_request(options["id"])
        if version.status == ModelVersion.Status.CURRENT:
            self.stdout.write(f"{version.label} is current")
        elif version.status == ModelVersion.Status.PROMOTING:
            self.stdout.write(
                f"{version.label}: index rebuild queued; it becomes current when the index is ready"
            )
        else:
            raise CommandError(f"{version.label} not promoted: {version.error or version.status}")

    def do_rollback(self, options):
        version = rollback_request(options["kind"])
        self.stdout.write(
            f"{version.label} is current"
            if version
            else f"no earlier {options['kind']} version; the untrained default serves"
        )
