from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "cluedesk.clues"
    label = "clues"

    def ready(self) -> None:
        from cluedesk.org.access import register_implicated_clues

        from .models import ImplicatedUnit

        # conflict of interest: org's scoping excludes clues implicating the person's units
        register_implicated_clues(lambda units: ImplicatedUnit.objects.filter(unit_id__in=units).values("clue_id"))
