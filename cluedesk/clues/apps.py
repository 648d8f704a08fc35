from django.apps import AppConfig

from cluedesk.platform.registry import registry


class CluesConfig(AppConfig):
    name = "cluedesk.clues"
    label = "clues"

    def ready(self) -> None:
        from .conflicts import implicated_clues
        from .events import EVENT_LABELS
        from .workbench import home_panel

        # conflict of interest: org's scoping excludes clues implicating the person's units
        if implicated_clues not in registry["implicated_clues"]:
            registry["implicated_clues"].append(implicated_clues)
        # the workbench home: what waits for the person, each count a link to the filtered list
        if home_panel not in registry["home_panels"]:
            registry["home_panels"].append(home_panel)
        # the clue page's history names these events
        registry["event_labels"].update(EVENT_LABELS)
