"""`cluedesk triage-eval` end to end, on a small made-up tips file (its own process and its own
throwaway database)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PLACES = ["长沙市浏阳市集里街道", "广州市番禺区市桥街道", "咸阳市秦都区人民西路"]
THEFT = "{d}，{a}在{p}一民房内盗走被害人{b}的手机一部和现金{m}元，后被民警抓获。"
HURT = "{d}晚，{a}在{p}一酒吧内与被害人{b}发生争执，用啤酒瓶砸伤{b}头部，经鉴定为轻伤，医药费{m}元。"
OPENERS = ["我要举报：", "群众反映，", "听说", ""]
CLOSERS = ["请尽快调查！", "希望严查。", ""]


def make_tips(seed: int, prefix: str, matters: int) -> list[dict]:
    rng = random.Random(seed)
    tips = []
    for i in range(matters):
        charge, template = ("盗窃", THEFT) if i % 2 else ("故意伤害", HURT)
        base = template.format(d=f"20{rng.randint(10, 17)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                               a=rng.choice(SURNAMES) + "某", b=rng.choice(SURNAMES) + "某某",
                               p=rng.choice(PLACES), m=rng.randint(100, 9000))
        office = "公诉机关" + base.split("在")[1][:3] + "人民检察院"
        for j in range(rng.randint(1, 3)):
            text = rng.choice(OPENERS) + base + rng.choice(CLOSERS)
            tips.append({"id": f"{prefix}{i}-{j}", "matter": f"{prefix}{i}", "text": text, "charges": [charge],
                         "office": office})
    rng.shuffle(tips)
    return tips


def write(path: Path, tips: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tips), encoding="utf-8")
    return path


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CLUEDESK_TEST_POSTGRES")}
    env["CLUEDESK_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run([sys.executable, "-m", "cluedesk", *args], env=env, capture_output=True, text=True,
                          timeout=600, cwd=Path(__file__).resolve().parents[2])


def test_triage_eval_prints_every_figure_and_writes_predictions(tmp_path: Path) -> None:
    train = write(tmp_path / "train.jsonl", make_tips(1, "a", 40))
    test_tips = make_tips(2, "b", 12)
    test = write(tmp_path / "test.jsonl", test_tips)
    out = run(tmp_path, "triage-eval", "--train", str(train), "--test", str(test),
              "--predictions", str(tmp_path / "pred.jsonl"))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["bcubed"]) == {"precision", "recall", "f1"}
    for key in ("false_merge_rate", "hard_negative_pairs", "charge", "region", "region_named", "charge_calibration"):
        assert key in result
    assert set(result["region_named"]) >= {"accuracy", "tips_naming_office", "abstained", "guessed"}
    assert 0.0 <= result["charge_calibration"]["ece"] <= 1.0
    assert 0.0 <= result["bcubed"]["f1"] <= 1.0
    assert result["charge"]["accuracy"] > 0.5
    preds = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text().splitlines()]
    assert {p["id"] for p in preds} == {t["id"] for t in test_tips}
    assert all({"cluster", "charge"} <= set(p) for p in preds)


def test_triage_eval_refuses_a_matter_on_both_sides(tmp_path: Path) -> None:
    tips = make_tips(3, "c", 6)
    path = write(tmp_path / "tips.jsonl", tips)
    out = run(tmp_path, "triage-eval", "--train", str(path), "--test", str(path))
    assert out.returncode != 0
    assert "both files" in out.stderr


def test_triage_eval_explains_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "abc"\n', encoding="utf-8")
    out = run(tmp_path, "triage-eval", "--train", str(bad), "--test", str(bad))
    assert out.returncode != 0
    assert "bad.jsonl:1" in out.stderr


def test_the_tips_are_grouped_under_one_fixed_index_key_whatever_the_deployments(monkeypatch) -> None:
    """Stored entities are keyed labels and a report's names are picked in their labels' order, so
    the grouping (and B3) moved with each random index key; the evaluation fixes its own."""
    import importlib

    from cluedesk.vault import content

    command = importlib.import_module("cluedesk.triage.management.commands.triage-eval")
    monkeypatch.setenv("CLUEDESK_INDEX_KEY", "12" * 32)
    monkeypatch.setenv("CLUEDESK_INDEX_KEY_FILE", "/nowhere/else")  # both set: refused outside the evaluation
    with command.evaluation_index_key():
        assert content.index_key() == bytes.fromhex("5e" * 32)
        assert "CLUEDESK_INDEX_KEY_FILE" not in os.environ
    assert os.environ["CLUEDESK_INDEX_KEY"] == "12" * 32
    assert os.environ["CLUEDESK_INDEX_KEY_FILE"] == "/nowhere/else"
