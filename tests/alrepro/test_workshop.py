"""`alrepro workshop`: students label through the fake's page, the loop retrains, the dashboard follows.

The browser test drives Debian's chromium through chromedriver (Selenium); it skips, saying why, when either is
missing. ``ALREPRO_SCREENSHOTS=docs/img`` makes it write the README's screenshots there (tweet texts are never
shown in them: the workshop runs with ``texts=False``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from alrepro.workshop import Workshop, WorkshopConfig

CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars")


def _wait(pred, timeout: float = 60.0, what: str = "condition", interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _json(url: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class PageStudent:
    """The labelling page's JSON calls, made directly."""

    def __init__(self, workshop: Workshop, labeler: str) -> None:
        url = urllib.parse.urlparse(workshop.labeling_url)
        self.base = f"{workshop.fake_url}{url.path}"
        self.query = dict(urllib.parse.parse_qsl(url.query))
        self.labeler = labeler

    def label_one(self, answer: str = "Positive", timeout: float = 60.0) -> str:
        q = urllib.parse.urlencode({**self.query, "labeler": self.labeler})
        row = _wait(lambda: _json(f"{self.base}/next?{q}")["row"], timeout, "a row to label")
        _json(f"{self.base}/answer", {"token": self.query["token"], "labeler": self.labeler,
                                      "data_row_id": row["data_row_id"], "answer": answer})
        return row["global_key"]


def _export(workshop: Workshop) -> dict[str, str]:
    from alrepro.labelbox import LABEL_NAMES, latest_answer

    client = workshop._client()
    project = client.get_project(workshop.project_id)
    task = project.export(params={"label_details": True})
    task.wait_till_done()
    out = {}
    for o in task.get_buffered_stream():
        answer = latest_answer(o.json, project.uid)
        if answer is not None:
            out[o.json["data_row"]["global_key"]] = LABEL_NAMES[answer]
    return out


def _state(workshop: Workshop) -> dict:
    return _json(workshop.dashboard_url + "api/state")


def test_restart_loses_no_label_and_the_loop_resumes(tmp_path):
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=3, batch=10, texts=False, poll=(0.2, 0.5))
    given: dict[str, str] = {}
    with Workshop(cfg, out=lambda m: None) as w:
        assert w.labeling_url.startswith(w.fake_url + f"/label/{w.project_id}?token=")
        assert w.labeling_url.endswith("&max_priority=1")
        student = PageStudent(w, "s1")
        for i in range(13):  # round 0 (10 rows), then 3 of round 1's
            answer = ("Negative", "Positive")[i % 2]
            given[student.label_one(answer)] = answer
        _wait(lambda: _state(w)["metrics"], 30, "round 0 on the dashboard")
        project_id = w.project_id
    assert (tmp_path / "run" / "fake_labelbox.sqlite").exists()
    with Workshop(cfg, out=lambda m: None) as w:  # same run dir and state file: a restart
        assert w.project_id == project_id
        assert _export(w) == given
        state = _wait(lambda: (s := _state(w))["round"] == 1 and s, 30, "round 1 in progress")
        assert [m["labels"] for m in state["metrics"]] == [10]
        assert state["round_labelled"] == 3 and len(state["requested"]) == 10
        student = PageStudent(w, "s2")
        for _ in range(7):
            given[student.label_one("Positive")] = "Positive"
        state = _wait(lambda: (s := _state(w))["round"] == 2 and s, 30, "round 2")
        assert [m["labels"] for m in state["metrics"]] == [10, 20]
        assert state["queue"]["by_priority"]["1"] == 10 and state["labels_total"] == 20
        assert {lab["global_key"] for lab in state["recent_labels"]} <= set(given)
        assert _export(w) == given


def test_a_lost_fake_state_does_not_freeze_the_workshop(tmp_path):
    """The fake's state file is lost between two runs, the run dir is kept: the loop, which reads the queue back
    on every start, sends its round's rows again, so the students do not face "All caught up" forever."""
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=3, batch=10, texts=False, poll=(0.2, 0.5))
    with Workshop(cfg, out=lambda m: None) as w:
        student = PageStudent(w, "s1")
        for _ in range(10):
            student.label_one()
        _wait(lambda: _state(w)["round"] == 1, 30, "round 1 requested")
    for path in (tmp_path / "run").glob("fake_labelbox.sqlite*"):
        path.unlink()
    with Workshop(cfg, out=lambda m: None) as w:
        student = PageStudent(w, "s2")
        for _ in range(10):
            student.label_one(timeout=30)
        state = _wait(lambda: (s := _state(w))["round"] == 2 and s, 30, "round 2")
        assert [m["labels"] for m in state["metrics"]] == [10, 20]
        assert state["queue"]["by_priority"]["1"] == 10


# ---- the real browser ----------------------------------------------------------------------------

def _chrome():
    """A headless chromium through chromedriver, or a pytest skip naming what is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium==4.51.0)")
    browser = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                    if p and os.path.exists(p)), None)
    driver = next((p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver") if p and os.path.exists(p)), None)
    if browser is None or driver is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="alrepro-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,860")
    try:
        drv = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    except Exception as e:  # pragma: no cover - a broken install
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"chromium/chromedriver would not start: {type(e).__name__}: {str(e)[:300]}")
    drv.profile_dir = profile
    return drv


@pytest.fixture
def browser():
    drv = _chrome()
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(drv.profile_dir, ignore_errors=True)


def _screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("ALREPRO_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _attrs(driver, selector: str, attribute: str) -> list[str]:
    """``attribute`` of every element matching ``selector``, read in one script: the dashboard redraws its tables
    every poll, so element handles found first and read later can go stale in between."""
    script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]));"
    return driver.execute_script(script, selector, attribute)


def _priority_one(driver) -> list[str]:
    return _attrs(driver, '#queue-table tbody tr[data-priority="1"]', "data-global-key")


@pytest.mark.slow
def test_students_label_through_the_page_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    shots = _screenshot_dir(tmp_path)
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=4, batch=10, texts=False, poll=(0.3, 1.0))
    with Workshop(cfg, out=lambda m: None) as w:
        # the dashboard shows round 0's request: the first 10 pool rows in file order, at priority 1
        browser.get(w.dashboard_url)
        first = _wait(lambda: len(p := _priority_one(browser)) == 10 and p, 60, "round 0's priorities on the dashboard")

        # (1) a student labels 20 tweets through the page, with the keyboard and the buttons
        browser.get(w.labeling_url)
        given: dict[str, str] = {}
        for i in range(20):
            def shown():
                if browser.find_element(By.TAG_NAME, "body").get_attribute("data-state") != "row":
                    return None
                key = browser.find_element(By.ID, "text").get_attribute("data-global-key")
                return key if key and key not in given else None

            key = _wait(shown, 60, f"tweet {i + 1} on the labelling page")
            if i == 3:
                browser.save_screenshot(str(shots / "labeling_page.png"))
            how = i % 4
            if how == 0:
                ActionChains(browser).send_keys(Keys.ARROW_LEFT).perform()
                given[key] = "Negative"
            elif how == 1:
                ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
                given[key] = "Positive"
            elif how == 2:
                ActionChains(browser).send_keys("2").perform()
                given[key] = "Positive"
            else:
                browser.find_element(By.ID, "option-0").click()
                given[key] = "Negative"
        assert set(first) <= set(given)  # round 0 asked for exactly these rows

        # (2) the 20 labels are real labels: the SDK's export has them, with the answers given
        exported = _wait(lambda: len(e := _export(w)) == 20 and e, 30, "20 labels in the export")
        assert exported == given

        # (3) the dashboard shows the next round's priorities (rows neither labelled nor asked for before)
        browser.get(w.dashboard_url)

        def round_two():
            r = _attrs(browser, "#round", "data-round")
            p = _priority_one(browser)
            return r == ["2"] and len(p) == 10 and p

        latest = _wait(round_two, 60, "round 2's priorities on the dashboard")
        assert not set(latest) & set(given) and set(latest) != set(first)
        points = _wait(lambda: len(c := _attrs(browser, "#curve circle.point", "data-labels")) == 2 and c,
                       30, "two points on the learning curve")
        assert [int(c) for c in points] == [10, 20]
        requested = _attrs(browser, "#requested-table tbody tr", "data-global-key")
        assert sorted(requested) == sorted(latest)
        browser.set_window_size(1400, 1000)
        time.sleep(2.5)  # one more poll at the new size
        browser.save_screenshot(str(shots / "dashboard.png"))
    assert (shots / "labeling_page.png").stat().st_size > 10_000
    assert (shots / "dashboard.png").stat().st_size > 10_000
