from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cluedesk.ledger.models import Event
from cluedesk.org.divisions import DivisionDataError, build_tree, cpca_rows, load_divisions, subtree
from cluedesk.org.models import ROOT_CODE, Division

pytestmark = pytest.mark.django_db


def test_it_loads_the_packaged_tree_with_real_codes_once():
    out = StringIO()
    call_command("load-divisions", stdout=out)
    assert "created" in out.getvalue()
    root = Division.objects.get(code=ROOT_CODE)
    assert root.level == 0 and root.path == "000000/"
    changsha = Division.objects.get(code="430100")
    assert changsha.name == "长沙市" and changsha.level == 2 and changsha.parent_id == "430000"
    liuyang = Division.objects.get(code="430181")
    assert liuyang.path == "000000/430000/430100/430181/" and liuyang.level == 3
    assert Division.objects.filter(level=1).count() >= 34
    assert Division.objects.filter(level=3).count() > 2800
    events = Event.objects.filter(verb="org.divisions_loaded").count()
    # a re-run changes nothing
    count = Division.objects.count()
    call_command("load-divisions", stdout=StringIO())
    assert Division.objects.count() == count
    last = Event.objects.filter(verb="org.divisions_loaded").order_by("-seq").first()
    assert last.data["created"] == 0 and last.data["updated"] == 0
    assert Event.objects.filter(verb="org.divisions_loaded").count() == events + 1


def test_municipalities_and_province_governed_counties_fit_the_tree():
    load_divisions(cpca_rows(), source="test")
    # Beijing: province 110000 → city-level 110100 → districts
    haidian = Division.objects.get(code="110108")
    assert haidian.path == "000000/110000/110100/110108/"
    # Chongqing's counties (500200 "县") and districts (500100) both under the municipality
    assert Division.objects.get(code="500229").path.startswith("000000/500000/500200/")
    # 仙桃市 is governed by Hubei directly: the GB/T 2260 virtual prefecture 429000 holds it
    xiantao = Division.objects.get(code="429004")
    assert xiantao.parent_id == "429000" and xiantao.parent.name == "省直辖县级行政区划"
    assert Division.objects.get(code="659000").name == "自治区直辖县级行政区划"
    # entries that are not divisions are left out
    assert not Division.objects.filter(code__startswith="99").exists()


def test_a_city_subtree_is_one_prefix_query():
    load_divisions(cpca_rows(), source="test")
    changsha = Division.objects.get(code="430100")
    codes = set(subtree(changsha).values_list("code", flat=True))
    assert "430181" in codes and "430102" in codes and "430100" in codes
    assert "430600" not in codes and "430000" not in codes
    plan = subtree(changsha).explain()
    assert "USING INDEX" in plan or "Index" in plan or "Seq Scan" in plan  # PostgreSQL may scan a tiny table
    if connection.vendor == "sqlite":
        assert "SEARCH" in plan and "path" in plan


def test_a_path_prefix_refuses_wildcards():
    with pytest.raises(ValueError):
        list(Division.objects.filter(path__prefix="000000/%"))


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tree.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_it_loads_another_deployments_csv(tmp_path):
    path = _csv(tmp_path, "code,name,parent_code\nR1,North,\nC1,Harbour,R1\nK1,Old Town,C1\n")
    call_command("load-divisions", "--csv", str(path), stdout=StringIO())
    assert Division.objects.get(code="K1").path == "000000/R1/C1/K1/"
    assert Division.objects.get(code="R1").parent_id == ROOT_CODE


@pytest.mark.parametrize("body,message", [
    ("code,name,parent_code\nA,Alpha,\nB,Beta,ZZ\n", "unknown parent"),
    ("code,name,parent_code\nA,Alpha,\nA,Again,\n", "appears twice"),
    ("code,name,parent_code\nA,Alpha,B\nB,Beta,A\n", "cycle"),
    ("code,name,parent_code\nA,Alpha,A\n", "cycle"),
    ("id,label\n1,x\n", "header"),
    ("code,name,parent_code\n", "no divisions"),
    ("code,name,parent_code\nA,,\n", "required"),
    ("code,name,parent_code\nA,a,\nB,b,A\nC,c,B\nD,d,C\n", "deeper"),
    ("code,name,parent_code\nA b,x,\n", "letters or digits"),
])
def test_a_bad_csv_loads_nothing_and_says_why(tmp_path, body, message):
    path = _csv(tmp_path, body)
    before = (Division.objects.count(), Event.objects.count())
    with pytest.raises(CommandError) as exc:
        call_command("load-divisions", "--csv", str(path), stdout=StringIO())
    assert message in str(exc.value) and "nothing was loaded" in str(exc.value)
    assert (Division.objects.count(), Event.objects.count()) == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load-divisions", "--csv", str(tmp_path / "nope.csv"), stdout=StringIO())


def test_a_rename_updates_in_place(tmp_path):
    load_divisions([("A", "Alpha", ""), ("B", "Beta", "A")], source="one")
    result = load_divisions([("A", "Alpha", ""), ("B", "Beta renamed", "A")], source="two")
    assert (result.created, result.updated) == (0, 1)
    assert Division.objects.get(code="B").name == "Beta renamed"


def test_build_tree_rejects_a_long_cycle():
    with pytest.raises(DivisionDataError, match="cycle"):
        build_tree([("A", "a", "C"), ("B", "b", "A"), ("C", "c", "B")])
