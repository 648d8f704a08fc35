"""The custodian public key file changed by another process while the server runs (a rotation
from the command line): the next seal uses the new key, without a restart (issue 22)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from nacl.public import PrivateKey, SealedBox

from cluedesk.vault import sealing


def test_a_public_key_replaced_by_another_process_is_used_for_the_next_seal() -> None:
    path = Path(settings.KEYS_DIR) / sealing.PUBLIC_KEY_FILE
    before = bytes(sealing.public_key())
    st = path.stat()
    other = PrivateKey.generate()
    # what another process writes: a file of the same size, only its content and time differ
    path.write_text(bytes(other.public_key).hex() + path.read_text()[64:])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_size == st.st_size
    assert bytes(sealing.public_key()) == bytes(other.public_key) != before
    assert SealedBox(other).decrypt(sealing.seal({"name": "张三"})) == '{"name": "张三"}'.encode()
