"""CLUEDESK_TRIAGE_DIR (issue 23, finding 8): the trained models' folder can be shared storage of
its own, apart from the per-instance data folder (metrics, tmp, static)."""

from __future__ import annotations

from pathlib import Path

from cluedesk.triage import engine


def test_the_models_folder_follows_its_setting_else_the_data_folder(settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "instance"
    settings.TRIAGE_DIR = ""
    assert engine.models_dir() == tmp_path / "instance" / "triage"
    settings.TRIAGE_DIR = str(tmp_path / "shared" / "models")
    assert engine.models_dir() == tmp_path / "shared" / "models"


def test_a_model_in_the_shared_folder_is_the_one_read(settings, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "pair_model.json").write_text((engine.SHIPPED / "pair_model.json").read_text())
    settings.DATA_DIR = tmp_path / "instance"
    settings.TRIAGE_DIR = str(shared)
    assert engine._first("pair_model.json") == shared / "pair_model.json"
