"""Places read from a tip's text (issue 20, item 5), and the reference the region figure uses."""

from __future__ import annotations

from cluedesk.analysis.evaluation import office_division


def test_the_reference_reads_office_names_as_it_always_has() -> None:
    # the figure's ruler: an office's name maps to the division it is named after, whatever the
    # tip rules do with the same words (a renamed county under its old name stays unmapped)
    assert office_division("北京市朝阳区人民检察院") == "110105"
    assert office_division("安徽省无为县人民检察院") == "340281"
    assert office_division("无为县人民检察院") is None
    assert office_division("遵义县人民检察院") == "520300"
