"""Replace the unkeyed SHA-256 of stored files by their keyed digest (issue 19, finding 2).

Used by the data migrations of attachments (intake 0006) and evidence (clues 0004). Each file is
read once through its decrypted stream and hashed under the index key (``content.file_hasher``);
the row gets the keyed digest and its old SHA-256 is blanked in the same update, in batches that
each commit on their own. The migration is therefore resumable: stopped half way, the next
``migrate`` picks up the rows whose old column is still filled. A file that is gone, or that does
not decrypt (damaged), leaves a blank digest: there is nothing left to prove about it, and keeping
its old SHA-256 would keep what the change removes.

A file key that opens none of the files is refused before anything is written: that is a
keys folder that does not belong to the data (a restore without its keys archive), not damage.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from nacl.exceptions import CryptoError

from . import content, sealing

BATCH = 200


class RehashRefused(RuntimeError):
    pass


def _file_key_present() -> bool:
    return bool(content.secret_from_env("CLUEDESK_FILE_KEY")) or (sealing.keys_dir() / sealing.FILE_KEY_FILE).exists()


def _digest_of(path: Path) -> str | None:
    """The keyed digest of the decrypted file; None when it is gone or does not decrypt."""
    try:
        with path.open("rb") as fh:
            return content.file_digest(sealing.decrypt_stream(fh))
    except FileNotFoundError:
        return None
    except (CryptoError, ValueError, RuntimeError, OSError):
        return None


def rehash(model: Any, *, path_of: Callable[[Any], Path], old: str, new: str, using: str) -> dict[str, int]:
    """Fill ``new`` with the keyed digest of each row's file and blank ``old``; returns counts."""
    todo = model.objects.using(using).exclude(**{old: ""})
    if not todo.exists():
        return {"rehashed": 0, "blanked": 0}
    if not _file_key_present():
        raise RehashRefused(
            f"{model._meta.label}: the file key is missing (keys/{sealing.FILE_KEY_FILE} or CLUEDESK_FILE_KEY); "
            "put the keys folder in place before migrating, or the files cannot be read to rehash them")
    done = blanked = 0
    last_pk = 0
    while True:
        rows = list(todo.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not rows:
            break
        digests = {}
        for row in rows:
            path = path_of(row)
            digests[row.pk] = (_digest_of(path), path.exists())
        present = [d for d, exists in digests.values() if exists]
        if done == 0 and present and not any(d is not None for d, _e in digests.values()):
            raise RehashRefused(
                f"{model._meta.label}: the file key opens none of the {len(present)} files tried; it does not "
                "belong to this data (restore the keys archive that goes with it); stopped before changing them")
        with transaction.atomic(using=using):
            for row in rows:
                value, _exists = digests[row.pk]
                model.objects.using(using).filter(pk=row.pk).update(**{new: value or "", old: ""})
                done += value is not None
                blanked += value is None
        last_pk = rows[-1].pk
    return {"rehashed": done, "blanked": blanked}
