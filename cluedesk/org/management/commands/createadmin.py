"""`cluedesk createadmin USERNAME --name "…" [--unit-name "…"] [--password-file FILE]`: the first
national administrator of a production install (CLUEDESK_DEMO=0), issue 23.

It loads the administrative divisions if they are not there yet, creates the national unit if there
is none, and adds the person with the unit-admin role and a one-time password
(``org.services.add_staff_member``: one ``org.staff_added`` ledger event). At the first sign-in the
person must enrol an authenticator (TOTP) before anything else; every later account is made from the
staff pages. The password goes to the terminal only; when the output is not a terminal (a service
manager's log), it is written to ``--password-file`` (0600, a new file) or the command stops. It
refuses once any unit has an admin: from then on accounts are made by an admin, in the product.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cluedesk.ledger.services import Actor
from cluedesk.org.models import ROOT_CODE, Division, Membership, Role, Unit
from cluedesk.org.services import OrgError, add_staff_member, create_unit
from cluedesk.platform.privatefiles import write_new


def _write_new(path: Path, text: str) -> None:
    try:
        write_new(path, text)
    except FileExistsError:
        raise CommandError(f"{path} exists already; name a new file") from None
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = "Create the first national administrator (one-time password, authenticator enrolment at first sign-in)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="3 to 40 lower-case letters, digits, dots, dashes or underscores")
        parser.add_argument("--name", required=True, help="the person's full name")
        parser.add_argument("--unit-name", default="全国扫黑办", help="the national unit's name, if it is made now")
        parser.add_argument("--password-file", type=Path, default=None,
                            help="write the one-time password to this new file (0600) instead of the terminal")

    def handle(self, *args: Any, **options: Any) -> None:
        to_file: Path | None = options["password_file"]
        if to_file is None and not self.stdout.isatty():
            raise CommandError("the output is not a terminal: the one-time password would end up in a log. "
                               "Run it in a terminal, or give --password-file FILE")
        if Membership.objects.filter(role=Role.ADMIN).exists():
            raise CommandError("an administrator exists already: further accounts are made by an admin on the "
                               "staff pages (/staff/units/)")
        if not Division.objects.filter(code=ROOT_CODE).exists():
            call_command("load-divisions", verbosity=0)
        actor = Actor.system("createadmin")
        try:
            with transaction.atomic():
                root = Division.objects.get(code=ROOT_CODE)
                unit = (Unit.objects.filter(division=root, parent__isnull=True).order_by("pk").first()
                        or create_unit(acting=actor, name=options["unit_name"], division=root))
                user, password = add_staff_member(acting_user=None, unit=unit, username=options["username"],
                                                  full_name=options["name"], roles=[Role.ADMIN], actor=actor)
                if to_file is not None:
                    _write_new(to_file, f"cluedesk one-time password for {user.username}: {password}\n")
        except OrgError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Created {user.username}, admin of {unit.name} ({root.name}).")
        if to_file is not None:
            self.stderr.write(f"The one-time password is in {to_file} (readable by this user only): hand it over "
                              "and delete the file.")
        else:
            self.stdout.write(f"One-time password (shown once): {password}")
        self.stderr.write("Sign in at /staff/login/ with it; an authenticator app must be enrolled before anything "
                          "else.")
