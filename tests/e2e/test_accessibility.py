"""axe-core (vendored, see vendor/README.md) on the report form: no serious or critical violation.

The others (moderate, minor) are printed, not failed on; run with ``-s`` to see them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = {"critical", "serious"}


def run_axe(page) -> list[dict]:
    # The site's CSP refuses injected scripts: the context is opened with bypass_csp for this tool only.
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}×: "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3]) + ")"
        for v in violations)


@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_report_form_has_no_serious_or_critical_accessibility_violation(new_page, shot, locale):
    if not AXE.exists():
        pytest.skip(f"{AXE} is not vendored")
    page = new_page(locale=locale, viewport=PHONE, bypass_csp=True)
    page.goto("/")
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    others = [v for v in violations if v["impact"] not in BLOCKING]
    if others:
        print(f"\naxe on / ({locale}), not blocking:\n{describe(others)}")
    assert not blocking, f"axe on / ({locale}):\n{describe(blocking)}"

    # The same after a failed submit: the error summary and the marked field.
    page.locator("form.report button[type=submit]").click()
    page.locator(".errorbox").wait_for()
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    if others := [v for v in violations if v["impact"] not in BLOCKING]:
        print(f"\naxe on / with errors ({locale}), not blocking:\n{describe(others)}")
    assert not blocking, f"axe on / with errors ({locale}):\n{describe(blocking)}"
    shot(page, f"a11y-{locale}-errors")


def test_the_axe_check_itself_catches_a_serious_violation(new_page):
    """Guards the check above against passing vacuously (axe not loaded, rules not run)."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is not vendored")
    page = new_page(bypass_csp=True)
    page.goto("/")
    page.evaluate("() => { const i = document.createElement('img'); i.src = '/nothing.png';"
                  " document.querySelector('main, body').appendChild(i); }")
    found = {v["id"]: v["impact"] for v in run_axe(page)}
    assert found.get("image-alt") in BLOCKING
