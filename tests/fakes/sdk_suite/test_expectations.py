"""How a run's outcomes compare with the committed expectations (offline: no sdist, no server)."""

from __future__ import annotations

from sdk_suite.expectations import Expectations, compare, counts, format_counts, updated

A = "tests/integration/test_a.py"
B = "tests/integration/test_b.py"


def test_a_test_expected_to_pass_that_fails_or_errors_is_a_regression():
    exp = Expectations(expected={f"{A}::t1": "passed", f"{A}::t2": "passed", f"{A}::t3": "failed"})
    result = compare({f"{A}::t1": "failed", f"{A}::t2": "error", f"{A}::t3": "failed"}, exp, [A])
    assert result.regressions == [f"{A}::t1", f"{A}::t2"]
    assert not result.ok


def test_newly_passing_tests_are_reported_not_failed():
    exp = Expectations(expected={f"{A}::t1": "failed", f"{A}::t2": "passed"})
    result = compare({f"{A}::t1": "passed", f"{A}::t2": "passed", f"{A}::new": "passed"}, exp, [A])
    assert result.newly_passing == [f"{A}::new", f"{A}::t1"]
    assert result.ok


def test_an_expected_pass_that_did_not_run_is_a_regression_only_within_the_run_s_paths():
    exp = Expectations(expected={f"{A}::gone": "passed", f"{B}::other": "passed", f"{A}::off": "passed"},
                       excluded={f"{A}::off": "needs the internet"})
    assert compare({}, exp, ["tests/integration/test_a.py"]).regressions == [f"{A}::gone"]
    assert compare({}, exp, ["tests/integration"]).regressions == [f"{A}::gone", f"{B}::other"]
    assert compare({}, exp, []).ok  # a filtered run (-k) checks only what ran


def test_the_sdist_s_skips_and_xfails_are_neither_passes_nor_failures():
    exp = Expectations(expected={f"{A}::s": "skipped", f"{A}::x": "skipped"})
    result = compare({f"{A}::s": "skipped", f"{A}::x": "xfailed"}, exp, [A])
    assert result.ok and not result.newly_passing and not result.changed
    by_file = counts({f"{A}::s": "skipped", f"{A}::x": "xfailed", f"{A}::p": "passed"}, excluded=[])
    assert (by_file[A].passed, by_file[A].total, by_file[A].skipped) == (1, 1, 2)


def test_update_records_outcomes_and_keeps_exclusions(tmp_path):
    exp = Expectations(expected={f"{A}::t1": "failed", f"{B}::t": "passed"}, excluded={f"{A}::off": "second person"})
    new = updated(exp, {f"{A}::t1": "passed", f"{A}::t2": "error"})
    assert new.expected == {f"{A}::t1": "passed", f"{A}::t2": "failed", f"{B}::t": "passed"}
    path = tmp_path / "expectations.json"
    new.save(path)
    assert Expectations.load(path) == new


def test_counts_per_file_and_overall():
    by_file = counts({f"{A}::t1": "passed", f"{A}::t2": "failed", f"{A}::s": "skipped", f"{B}::t": "error"},
                     excluded=[f"{B}::off"])
    assert (by_file[A].passed, by_file[A].total, by_file[A].skipped) == (1, 2, 1)
    assert (by_file[B].passed, by_file[B].total, by_file[B].excluded) == (0, 1, 1)
    text = format_counts(by_file)
    assert text.splitlines()[-1].split() == ["1", "passed", "of", "3", "(33.3%)", "overall", "[1", "skip/xfail",
                                             "by", "the", "sdist,", "1", "excluded]"]
    assert f"1 passed of 2    (50.0%)  {A}  [1 skip/xfail by the sdist]" in text
