from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "cluedesk.clues"
    label = "clues"

    def ready(self) -> None:
        from cluedesk.org.access import register_implicated_clues
        from cluedesk.org.views import register_home_panel

        from .models import ImplicatedUnit
        from .workbench import home_panel

        # conflict of interest: org's scoping excludes clues implicating the person's units
        register_implicated_clues(lambda units: ImplicatedUnit.objects.filter(unit_id__in=units).values("clue_id"))
        # the workbench home: what waits for the person, each count a link to the filtered list
        register_home_panel(home_panel)
