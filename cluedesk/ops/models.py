"""What every instance of one deployment must agree on, recorded in the database they share."""

from __future__ import annotations

from django.db import models


class KeyFingerprint(models.Model):
    """The fingerprint of one key every instance must share (cluedesk/ops/keycheck.py): the
    server secret, the file key, the content keyring's current key id, the index key and the
    custodian public key. Never the key itself."""

    name = models.CharField(max_length=32, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    source = models.CharField(max_length=300, blank=True)  # where the recording instance read it (no key)
    recorded_by = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ops_key_fingerprint"

    def __str__(self) -> str:
        return f"{self.name} {self.fingerprint}"


class DeploymentOnce(models.Model):
    """Something done once per deployment, whichever instance starts first: the row is the lock
    every instance's first start takes before deciding (cluedesk/ops/bootstrap.py, the triage
    training), and says which start did it and which queued task it is."""

    name = models.CharField(max_length=64, primary_key=True)
    task_id = models.CharField(max_length=64, blank=True)
    by = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "ops_deployment_once"

    def __str__(self) -> str:
        return self.name
