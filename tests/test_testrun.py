from cluedesk.testrun import closing_line, counts


def test_it_reads_the_last_pytest_summary_line() -> None:
    out = "..F\n== short test summary ==\n1 failed, 1203 passed, 3 skipped in 500.20s (0:08:20)\n"
    assert counts(out) == {"passed": 1203, "failed": 1, "skipped": 3, "error": 0}


def test_the_closing_line_adds_both_runs_and_counts_errors_as_failures() -> None:
    line = closing_line("5 passed in 1.00s", "2 failed, 3 passed, 1 skipped, 1 error in 2.00s")
    assert line == "total: 8 passed, 3 failed, 1 skipped"


def test_a_run_that_printed_no_summary_counts_nothing() -> None:
    assert closing_line("ImportError while loading conftest") == "total: 0 passed, 0 failed, 0 skipped"
