"""Backup and restore: one tar archive with a manifest (``cluedesk backup`` / ``cluedesk restore``).

Archive layout (format ``cluedesk-backup/1``)::

    manifest.json              what is inside, sha256 and size of every part, key fingerprints
    db/cluedesk.sqlite3        SQLite: a consistent copy made with SQLite's online backup API
    db/cluedesk.pgdump         PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot)
    files/…                    the file store (attachments, already encrypted at rest)
    keys/custodian.pub         the custodian public key (not secret)
    keys/…                     only with --include-keys: secret key, file key, wrapped private key

The secrets (server secret key, file key, the passphrase-wrapped custodian private key) are *not*
in the archive by default: ``--keys-out PATH`` writes them to a second archive to keep elsewhere
(offline, another custodian), and ``--include-keys`` puts them in the same archive with a warning.
The manifest holds fingerprints of the keys in use, so ``restore`` refuses keys that do not belong
to the data (attachments and tracking codes would be unreadable).

The database is copied first, the file store after it: every file a copied row refers to is
already on disk when the folder is copied (files are written before their rows commit).

With a backup public key (``CLUEDESK_BACKUP_PUBLIC_KEY`` / ``_FILE``, or ``--to-public-key``) the
archive — and the keys archive — is encrypted to it as it is written (``archive_seal.py``;
``NAME.tar.sealed``): the server can write backups but not read them; ``restore`` and ``--verify``
need the private key (``--backup-key FILE``). Without one the archive is a plain tar and the
command warns. Archives are written 0600 in any case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from nacl.public import PrivateKey, PublicKey

from cluedesk.intake.models import Report
from cluedesk.ledger import keys as ledger_keys
from cluedesk.ledger.models import Event
from cluedesk.platform import privatefiles
from cluedesk.vault import content, sealing

from . import archive_seal, filemodes

FORMAT = "cluedesk-backup/1"
KEYS_FORMAT = "cluedesk-keys/1"
SECRET_KEY_FILES = ("secret_key", "files.key", "custodian-key.json", content.CONTENT_KEYS_FILE, content.INDEX_KEY_FILE,
                    ledger_keys.SIGNING_KEY_FILE)
PUBLIC_KEY_FILES = ("custodian.pub",)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fp(material: bytes) -> str:
    return hashlib.sha256(b"cluedesk-key-fingerprint|" + material).hexdigest()[:32]


def _environment_secret() -> str | None:
    """The server secret when the environment gives it (``CLUEDESK_SECRET_KEY`` or ``_FILE``, as
    settings read it): then it is the one in force, not a ``secret_key`` file in the keys folder."""
    return content.secret_from_env("CLUEDESK_SECRET_KEY")


def key_fingerprints(keys_dir: Path | None = None) -> dict[str, str]:
    """Fingerprints of the keys in effect (environment first, then the keys folder)."""
    folder = Path(keys_dir or settings.KEYS_DIR)
    out: dict[str, str] = {}
    secret = _environment_secret() or (
        (folder / "secret_key").read_text().strip() if (folder / "secret_key").exists() else "")
    if secret:
        out["secret_key"] = _fp(secret.encode())
    file_key = content.secret_from_env("CLUEDESK_FILE_KEY") or (
        (folder / "files.key").read_text().strip() if (folder / "files.key").exists() else "")
    if file_key:
        out["files.key"] = _fp(bytes.fromhex(file_key))
    for name, env in ((content.CONTENT_KEYS_FILE, "CLUEDESK_CONTENT_KEYS"), (content.INDEX_KEY_FILE, "CLUEDESK_INDEX_KEY")):
        material = content.secret_from_env(env) or (
            (folder / name).read_text().strip() if (folder / name).exists() else "")
        if material:
            out[name] = _fp(material.encode())
    ledger_key = ledger_keys.verify_key() if keys_dir is None or Path(keys_dir) == Path(settings.KEYS_DIR) else None
    if ledger_key is not None:
        out[ledger_keys.SIGNING_KEY_FILE] = _fp(bytes(ledger_key))
    if (folder / "custodian.pub").exists():
        out["custodian.pub"] = _fp((folder / "custodian.pub").read_bytes())
    return out


@dataclass
class Result:
    archive: Path
    manifest: dict[str, Any]
    keys_archive: Path | None = None
    warnings: list[str] = field(default_factory=list)
    sealed_to: str | None = None  # the backup public key's fingerprint, when encrypted


UNSEALED_WARNING = ("the archive is not encrypted: whoever copies it gets the database (what people wrote is "
                    "sealed under the content keys, but not its structure, the ledger or the counts). Set "
                    f"{archive_seal.PUBLIC_ENV} to a backup public key (`cluedesk backup-keys generate`) so backups "
                    "are encrypted to a key kept offline")


def _open_archive(path: Path, public_key: PublicKey | None) -> tuple[Any, archive_seal.SealingWriter | None, tarfile.TarFile]:
    """A new archive file, 0600 whatever the umask; encrypted as it is written with a public key."""
    raw = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    os.chmod(path, 0o600)
    if public_key is None:
        return raw, None, tarfile.open(fileobj=raw, mode="w")
    writer = archive_seal.SealingWriter(raw, public_key)
    return raw, writer, tarfile.open(fileobj=writer, mode="w|")


def _close_archive(raw: Any, writer: archive_seal.SealingWriter | None, tar: tarfile.TarFile) -> None:
    tar.close()
    if writer is not None:
        writer.finish()
    raw.flush()
    os.fsync(raw.fileno())
    raw.close()


# ---- backup ------------------------------------------------------------------------------------

def _dump_sqlite(target: Path) -> None:
    """SQLite's online backup API: a consistent copy while other processes keep writing."""
    connection.ensure_connection()
    source = connection.connection
    dest = sqlite3.connect(str(target))
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()


def _pg_env(conf: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if conf.get(key):
            env[var] = str(conf[key])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client of the server's major version)")
    return found


def _dump_postgres(target: Path) -> None:
    conf = connection.settings_dict
    proc = subprocess.run([_tool("pg_dump"), "-Fc", "--no-owner", "--no-acl", "-f", str(target), str(conf["NAME"])],
                          env=_pg_env(conf), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {proc.stderr.strip()[:2000]}")


def _add_file(tar: tarfile.TarFile, path: Path, name: str, parts: dict[str, dict[str, Any]]) -> None:
    parts[name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    tar.add(str(path), arcname=name, recursive=False)


def _add_tree(tar: tarfile.TarFile, root: Path, prefix: str, parts: dict[str, dict[str, Any]]) -> None:
    if not root.exists():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            _add_file(tar, path, f"{prefix}/{rel}", parts)


def _add_secret_keys(tar: tarfile.TarFile, keys_dir: Path, parts: dict[str, dict[str, Any]]) -> None:
    """The secret keys in force. A server secret given by the environment goes in as
    ``keys/secret_key`` too: without it a restore would make a new one and every tracking code
    would answer "no such report" (issue 23)."""
    from_env = _environment_secret()
    for name in SECRET_KEY_FILES:
        if name == "secret_key" and from_env:
            blob = (from_env + "\n").encode()
            parts[f"keys/{name}"] = {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)}
            info = tarfile.TarInfo(f"keys/{name}")
            info.size, info.mtime, info.mode = len(blob), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
            tar.addfile(info, io.BytesIO(blob))
        elif (keys_dir / name).exists():
            _add_file(tar, keys_dir / name, f"keys/{name}", parts)


def _add_json(tar: tarfile.TarFile, name: str, data: dict[str, Any]) -> None:
    blob = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(blob), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(blob))


def _summary() -> dict[str, Any]:
    head = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {"reports": Report.objects.count(), "events": Event.objects.count(), "ledger_last_event": head}


def backup(dest: Path, *, include_keys: bool = False, keys_out: Path | None = None,
           with_files: bool = True, public_key: PublicKey | None = None) -> Result:
    """Write one archive to ``dest`` (a file path, or a folder to put a dated file in); encrypted
    to ``public_key`` when one is given (the keys archive too)."""
    dest = Path(dest)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if dest.is_dir():
        dest = dest / f"cluedesk-backup-{stamp}.tar{'.sealed' if public_key is not None else ''}"
    if dest.exists():
        raise BackupError(f"{dest} exists already; name a new file")
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"database {vendor!r} is not supported")
    warnings: list[str] = []
    parts: dict[str, dict[str, Any]] = {}
    partial = dest.with_name(dest.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="cluedesk-backup-", dir=dest.parent) as tmp:
        db_name = "db/cluedesk.sqlite3" if vendor == "sqlite" else "db/cluedesk.pgdump"
        db_file = Path(tmp) / Path(db_name).name
        summary = _summary()
        (_dump_sqlite if vendor == "sqlite" else _dump_postgres)(db_file)
        keys_dir = Path(settings.KEYS_DIR)
        raw, writer, tar = _open_archive(partial, public_key)
        try:
            _add_file(tar, db_file, db_name, parts)
            db_file.unlink()
            if with_files:
                _add_tree(tar, Path(settings.FILES_DIR), "files", parts)
            for name in PUBLIC_KEY_FILES:
                if (keys_dir / name).exists():
                    _add_file(tar, keys_dir / name, f"keys/{name}", parts)
            if include_keys:
                _add_secret_keys(tar, keys_dir, parts)
                warnings.append("the archive holds the secret keys: whoever has it and a custodian passphrase "
                                "can open reporters' identities and every attachment; keep it encrypted and offline")
            sealed_to = archive_seal.fingerprint(public_key) if public_key is not None else None
            manifest = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": {"vendor": vendor, "part": db_name},
                "files": with_files,
                "keys_included": include_keys,
                "key_fingerprints": key_fingerprints(keys_dir),
                "sealed_to": sealed_to,
                "summary": summary,
                "parts": parts,
            }
            _add_json(tar, "manifest.json", manifest)
            _close_archive(raw, writer, tar)
        except BaseException:
            raw.close()
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, dest)
    if public_key is None:
        warnings.append(UNSEALED_WARNING)
    keys_archive = None
    if keys_out is not None:
        keys_archive = write_keys_archive(Path(keys_out), keys_dir, public_key)
    return Result(dest, manifest, keys_archive, warnings, sealed_to)


def write_keys_archive(dest: Path, keys_dir: Path, public_key: PublicKey | None = None) -> Path:
    """The keys folder alone, with its own manifest: keep it apart from the data archive."""
    if dest.is_dir():
        dest = dest / f"cluedesk-keys-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.tar{'.sealed' if public_key else ''}"
    if dest.exists():
        raise BackupError(f"{dest} exists already; name a new file")
    parts: dict[str, dict[str, Any]] = {}
    partial = dest.with_name(dest.name + ".partial")
    raw, writer, tar = _open_archive(partial, public_key)
    try:
        _add_secret_keys(tar, keys_dir, parts)
        for name in PUBLIC_KEY_FILES:
            if (keys_dir / name).exists():
                _add_file(tar, keys_dir / name, f"keys/{name}", parts)
        _add_json(tar, "manifest.json", {"format": KEYS_FORMAT, "key_fingerprints": key_fingerprints(keys_dir),
                                         "parts": parts})
        _close_archive(raw, writer, tar)
    except BaseException:
        raw.close()
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, dest)
    return dest


# ---- restore -----------------------------------------------------------------------------------

def read_manifest(archive: Path, expected_format: str = FORMAT) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.getmember("manifest.json")
            fh = tar.extractfile(member)
            if fh is None:
                raise BackupError(f"{archive}: manifest.json is not a file")
            manifest: dict[str, Any] = json.loads(fh.read())
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} is not a cluedesk archive: {exc}") from exc
    if manifest.get("format") != expected_format:
        raise BackupError(f"{archive}: format {manifest.get('format')!r}, expected {expected_format!r}")
    return manifest


def _check_names(archive: Path, names: set[str], parts: dict[str, dict[str, Any]]) -> None:
    names = names - {"manifest.json"}
    if names != set(parts):
        extra, missing = sorted(names - set(parts))[:5], sorted(set(parts) - names)[:5]
        raise BackupError(f"{archive}: parts do not match the manifest (extra {extra}, missing {missing})")


def _extract_sealed(archive: Path, into: Path, backup_key: PrivateKey | None, expected_format: str) -> dict[str, Any]:
    """Decrypt as a stream and extract (no clear copy of the archive on disk); the manifest is its last part."""
    if backup_key is None:
        raise BackupError(f"{archive} is encrypted to backup key {archive_seal.recipient(archive)}: give its private "
                          "key with --backup-key FILE (the file `cluedesk backup-keys generate` wrote)")
    names: set[str] = set()
    try:
        with archive.open("rb") as raw:
            reader = archive_seal.OpeningReader(raw, backup_key, str(archive))
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if member.isfile():
                        names.add(member.name)
                    tar.extract(member, into, filter="data")
            reader.drain()
    except archive_seal.SealError as exc:
        raise BackupError(str(exc)) from None
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive}: what it holds is not a cluedesk archive ({exc})") from None
    try:
        manifest: dict[str, Any] = json.loads((into / "manifest.json").read_bytes())
    except (OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} is not a cluedesk archive: {exc}") from None
    if manifest.get("format") != expected_format:
        raise BackupError(f"{archive}: format {manifest.get('format')!r}, expected {expected_format!r}")
    _check_names(archive, names, manifest.get("parts", {}))
    return manifest


def extract_verified(archive: Path, into: Path, expected_format: str = FORMAT,
                     backup_key: PrivateKey | None = None) -> dict[str, Any]:
    """Extract into ``into`` and check every part against the manifest (nothing more, nothing less).
    An encrypted archive needs ``backup_key``, the private half of the key it was sealed to."""
    archive = Path(archive)
    if archive_seal.is_sealed(archive):
        manifest = _extract_sealed(archive, into, backup_key, expected_format)
    else:
        manifest = read_manifest(archive, expected_format)
        with tarfile.open(archive, "r") as tar:
            _check_names(archive, {m.name for m in tar.getmembers() if m.isfile()}, manifest.get("parts", {}))
            tar.extractall(into, filter="data")
    parts: dict[str, dict[str, Any]] = manifest.get("parts", {})
    for name, meta in parts.items():
        path = into / name
        if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise BackupError(f"{archive}: {name} does not match its sha256 in the manifest (damaged archive)")
    return manifest


def verify(archive: Path, backup_key: PrivateKey | None = None) -> dict[str, Any]:
    """Check an archive without restoring it (an encrypted one with its backup private key)."""
    with tempfile.TemporaryDirectory(prefix="cluedesk-verify-") as tmp:
        return extract_verified(Path(archive), Path(tmp), backup_key=backup_key)


def _database_is_empty() -> bool:
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
    if not tables:
        return True
    if "ledger_event" not in tables and "intake_report" not in tables:
        return True
    return not Event.objects.exists() and not Report.objects.exists()


def _folder_is_empty(path: Path) -> bool:
    return not path.exists() or not any(path.iterdir())


def _restore_sqlite(db_file: Path) -> None:
    target = Path(connection.settings_dict["NAME"])
    connections.close_all()
    src = sqlite3.connect(str(db_file))
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            src.backup(dst)  # page by page into the live file: WAL and -shm stay consistent
    finally:
        src.close()
        dst.close()


def _restore_postgres(dump: Path) -> None:
    conf = connection.settings_dict
    with connection.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cur.execute("CREATE SCHEMA public")
    connections.close_all()
    proc = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "-d", str(conf["NAME"]),
                           str(dump)], env=_pg_env(conf), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed: {proc.stderr.strip()[:2000]}")


def check_roles(roles: list[str]) -> None:
    """Stop, naming them, when read-only roles do not exist (before a restore touches anything)."""
    if connection.vendor != "postgresql" or not roles:
        return
    with connection.cursor() as cur:
        cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(roles)])
        missing = sorted(set(roles) - {row[0] for row in cur.fetchall()})
    if missing:
        raise BackupError(f"no PostgreSQL role {', '.join(missing)}: create it first "
                          "(CREATE ROLE … LOGIN PASSWORD …), or correct CLUEDESK_READONLY_ROLES")


def grant_readonly(roles: list[str]) -> list[str]:
    """SELECT on every table of schema public, and on the tables made later by this role (the
    migrations), for each read-only role (PostgreSQL; the replica's login). Returns the roles
    granted; a role that does not exist stops with its name before anything is granted."""
    if connection.vendor != "postgresql" or not roles:
        return []
    from psycopg import sql

    check_roles(roles)
    with connection.cursor() as cur:
        for role in roles:
            name = sql.Identifier(role)
            for statement in (sql.SQL("GRANT USAGE ON SCHEMA public TO {}"),
                              sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}"),
                              sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}")):
                cur.execute(statement.format(name).as_string(cur.connection))
    return list(roles)


def _copy_private(source: Path, target: Path) -> None:
    """A copy only the owner can read (a replaced secret key is still a secret key)."""
    privatefiles.replace(target, source.read_bytes())


def _place_keys(source: Path, keys_dir: Path, replace: bool) -> list[str]:
    """Copy the archive's keys in. A different key already there is replaced only with ``replace``
    (--force, or a target that holds no data yet: a fresh install's generated keys protect nothing);
    the one it replaces is kept beside it as ``NAME.before-restore``."""
    placed = []
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in sorted(source.iterdir()):
        target = keys_dir / path.name
        if target.exists() and target.read_bytes() != path.read_bytes():
            if not replace:
                raise BackupError(f"{target} exists with other content; restore with --force to replace it")
            _copy_private(target, target.with_name(target.name + ".before-restore"))
        privatefiles.replace(target, path.read_bytes(), mode=0o600 if path.name != "custodian.pub" else 0o644)
        placed.append(path.name)
    return placed


def restore(archive: Path, *, keys_archive: Path | None = None, force: bool = False,
            backup_key: PrivateKey | None = None) -> dict[str, Any]:
    """Restore into the configured database, file store and keys folder (an encrypted archive,
    or keys archive, with ``backup_key``)."""
    archive = Path(archive)
    files_dir, keys_dir = Path(settings.FILES_DIR), Path(settings.KEYS_DIR)
    empty = _database_is_empty()
    if not force:
        if not empty:
            raise BackupError("the database already holds reports or ledger events; restore with --force "
                              "to replace it")
        if not _folder_is_empty(files_dir):
            raise BackupError(f"the file store {files_dir} is not empty; restore with --force to replace it")
    work = Path(tempfile.mkdtemp(prefix=".cluedesk-restore-", dir=files_dir.parent if files_dir.parent.exists()
                                 else None))
    try:
        manifest = extract_verified(archive, work / "data", backup_key=backup_key)
        keys_manifest = None
        if keys_archive is not None:
            keys_manifest = extract_verified(Path(keys_archive), work / "keys", KEYS_FORMAT, backup_key=backup_key)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(f"the archive holds a {vendor} database; the configured one is {connection.vendor}")
        # keys first: refuse before touching the database if they do not belong to the data
        placed: list[str] = []
        if (work / "data" / "keys").exists():
            placed += _place_keys(work / "data" / "keys", keys_dir, force or empty)
        if keys_manifest is not None and (work / "keys" / "keys").exists():
            placed += _place_keys(work / "keys" / "keys", keys_dir, force or empty)
        have = key_fingerprints(keys_dir)
        wanted = manifest.get("key_fingerprints", {})
        wrong = sorted(k for k, v in wanted.items() if have.get(k) != v)
        if wrong:
            hint = (" The server secret (secret_key) is what tracking codes and sign-ins rest on: set "
                    "CLUEDESK_SECRET_KEY or CLUEDESK_SECRET_KEY_FILE to the original one (the keys archive holds "
                    "it as keys/secret_key), or unset them to use the restored file."
                    if "secret_key" in wrong and _environment_secret() else "")
            raise BackupError(
                f"the keys in {keys_dir} (or the environment) do not match the backup: {', '.join(wrong)}. "
                "Give the keys archive with --keys, or put the original keys folder in place first." + hint)
        db_part = work / "data" / manifest["database"]["part"]
        (_restore_sqlite if vendor == "sqlite" else _restore_postgres)(db_part)
        if manifest.get("files"):
            if files_dir.exists() and force:
                old = files_dir.with_name(files_dir.name + ".replaced")
                if old.exists():
                    shutil.rmtree(old)
                files_dir.rename(old)
                shutil.rmtree(old)
            restored_files = work / "data" / "files"
            files_dir.parent.mkdir(parents=True, exist_ok=True)
            if restored_files.exists():
                if files_dir.exists():
                    shutil.rmtree(files_dir)
                shutil.move(str(restored_files), str(files_dir))
            else:
                files_dir.mkdir(parents=True, exist_ok=True)
        sealing.public_key.cache_clear()  # type: ignore[attr-defined]
        sealing.file_key.cache_clear()
        content.forget_keys()
        filemodes.tighten()
        return {"archive": str(archive), "database": vendor, "parts": len(manifest["parts"]),
                "keys_placed": placed, "summary": manifest.get("summary", {})}
    finally:
        shutil.rmtree(work, ignore_errors=True)
