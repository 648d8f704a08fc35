"""What the first start of a deployment sets up (`serve`); the demo people come from cluedesk/demo/seed.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cluedesk.demo.seed import seed_demo_people
from cluedesk.org.models import Division, Membership
from cluedesk.triage import engine
from cluedesk.triage import tasks as triage_tasks
from cluedesk.vault import handover, sealing
from cluedesk.vault import services as vault_services

from . import tasks
from .models import DeploymentOnce

TRAINING = "train_triage"


def first_start(*, demo: bool, output: handover.Output) -> list[str]:
    """Create keys and load base data once; return lines to print (secrets shown only now, and
    the custodian passphrase only when ``output`` is a terminal: see cluedesk/vault/handover.py)."""
    lines: list[str] = []
    if not (sealing.keys_dir() / sealing.PUBLIC_KEY_FILE).exists():
        handover.check_can_hand_over(output)
    passphrase = vault_services.init_keys()  # the same passphrase (and ledger event) as `keys init`
    if passphrase is not None:
        lines += [
            "A custodian key pair was created. The private key is kept only encrypted, in",
            f"  {sealing.keys_dir() / sealing.PRIVATE_KEY_FILE}",
            *handover.hand_over(passphrase, output, what="custodian passphrase"),
        ]
    if not Division.objects.exists():
        call_command("load-divisions", verbosity=0)
        lines.append(f"Administrative divisions loaded: {Division.objects.count()}.")
    if demo and not Membership.objects.exists():
        lines += seed_demo_people()
    lines += start_triage_training()
    return lines


def start_triage_training() -> list[str]:
    """Train the charge model once, in the background, so serving starts at once.

    The training is a queued task (cluedesk/triage/tasks.py ``train_triage``): any running
    ``cluedesk worker`` takes it — `cluedesk serve` starts task workers right after this step and
    then sets CLUEDESK_BATCH_WORKER_ON_START=0; otherwise (``--prepare-only``, ``--task-workers 0``)
    a low-priority ``cluedesk worker --batch`` is started that drains the queue and exits. Until the model is there (a minute or two),
    categories come from the keyword rules.

    Once per deployment, not once per instance: every instance's first start takes the same
    database row (``DeploymentOnce`` "train_triage") before deciding, so of instances starting at
    the same moment one queues the training (and, without task workers, starts the batch worker
    that takes it) and the others find it queued."""
    if engine.models_trained() or os.environ.get("CLUEDESK_TRAIN_ON_START") == "0":
        return []
    me = f"{socket.gethostname()[:60]}:{os.getpid()} ({settings.DATA_DIR})"[:200]
    DeploymentOnce.objects.get_or_create(name=TRAINING)
    with transaction.atomic():
        # the write first: the row is locked (PostgreSQL) or the database is (SQLite) until commit
        DeploymentOnce.objects.filter(name=TRAINING).update(at=timezone.now())
        if triage_tasks.training_queued():
            row = DeploymentOnce.objects.get(name=TRAINING)
            return [f"The triage charge model is being trained for this deployment already (queued by {row.by or '?'})."]
        result = tasks.enqueue_once(triage_tasks.train_triage)
        DeploymentOnce.objects.filter(name=TRAINING).update(task_id=str(getattr(result, "id", "")), by=me)
    log = Path(settings.DATA_DIR) / "triage-train.log"
    if os.environ.get("CLUEDESK_BATCH_WORKER_ON_START") == "0":  # `serve`'s task workers take it
        return ["Training the triage charge model in the background (about 2 minutes, once, by a task worker)."]
    cmd = [str(Path(sys.executable).parent / "cluedesk"), "worker", "--batch"]
    with log.open("ab") as out:
        subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,  # noqa: S603
                         preexec_fn=lambda: os.nice(10))  # lower priority than serving
    return [f"Training the triage charge model in the background (about 2 minutes, once; log: {log})."]
