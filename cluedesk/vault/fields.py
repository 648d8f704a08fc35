"""Model fields whose values are stored encrypted (``content.py``).

A value is sealed when it is written and opened when a row is read, so services, forms,
templates and exports keep working with ``str`` while the database, its WAL, its backups and its
replicas hold only ciphertext. The empty string stays empty (an empty message says nothing, and
``exclude(text="")`` keeps working); every other lookup is refused, because a sealed column
cannot be searched — search goes through the blind index (``clues.search``).

A column may still hold clear text written before encryption came in: it is returned as it is,
and ``cluedesk keys reencrypt`` seals it (in batches, resumable).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import content


class _Sealed:
    """What both fields share: the label the token is bound to, and the refused lookups."""

    label: str

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)  # type: ignore[misc]
        self.label = f"{cls._meta.label_lower}.{name}"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EmptyExact
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(f"{getattr(self, 'label', 'an encrypted field')} is encrypted and cannot be "
                         f"searched with __{lookup_name}; search through the blind index")

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{getattr(self, 'label', 'an encrypted field')} is encrypted: no __{lookup_name}")

    def _open(self, value: Any) -> Any:
        if content.is_token(value):
            return content.decrypt(value, self.label)
        return value

    def _seal(self, text: str) -> str:
        return content.encrypt(text, self.label) if text else text


class EmptyExact(Exact):
    """``field=""`` (empty or not) works on a sealed column; ``field="anything else"`` cannot."""

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        if value not in ("", None):
            raise FieldError("an encrypted field can only be compared with the empty string")
        return "%s", [value]


class EncryptedTextField(_Sealed, models.TextField):
    """Text stored sealed. ``max_length`` is checked on the clear text (forms, validation)."""

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return self._open(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or content.is_token(value):
            return value
        return self._seal(value)


class EncryptedJSONField(_Sealed, models.TextField):  # type: ignore[type-arg]
    """A JSON value stored sealed (``[]``/``{}``/``None`` are sealed too: only "" is left empty)."""

    _pyi_private_set_type: Any  # what django-stubs types the attribute as: any JSON value
    _pyi_private_get_type: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.get_default()
        opened = self._open(value)
        return json.loads(opened) if isinstance(opened, str) else opened

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value and not content.is_token(value):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if content.is_token(value):
            return value
        return self._seal(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
