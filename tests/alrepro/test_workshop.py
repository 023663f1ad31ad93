"""`alrepro workshop`: students label through the fake's page, the loop retrains, the dashboard follows.

The browser test drives Debian's chromium through chromedriver (Selenium); it skips, saying why, when either is
missing. ``ALREPRO_SCREENSHOTS=docs/img`` makes it write the README's screenshots there (tweet texts are never
shown in them: the workshop runs with ``texts=False``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from alrepro.labelbox import LABEL_NAMES
from alrepro.workshop import Workshop, WorkshopConfig, advertised_host, lan_address

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


def _json(url: str, body: dict | None = None, token: str = "") -> dict:
    headers = {"Content-Type": "application/json"} | ({"X-Labeling-Token": token} if token else {})
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers=headers, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class PageStudent:
    """The labelling page's JSON calls, made directly: join by the students' link, then label with the token the
    server drew for this student."""

    def __init__(self, workshop: Workshop, name: str) -> None:
        url = urllib.parse.urlparse(workshop.labeling_url)
        self.base = f"{workshop.fake_url}{url.path}"
        joined = _json(f"{self.base}/join", {"code": dict(urllib.parse.parse_qsl(url.query))["join"]})
        self.token, self.labeler, self.name = joined["token"], joined["labeler"], name

    def next(self) -> dict:
        return _json(f"{self.base}/next", token=self.token)

    def answer(self, row: dict, answer: str) -> dict:
        return _json(f"{self.base}/answer", {"data_row_id": row["data_row_id"], "answer": answer, "name": self.name},
                     self.token)

    def label_one(self, answer: str = "Positive", timeout: float = 60.0) -> str:
        row = _wait(lambda: self.next()["row"], timeout, "a row to label")
        self.answer(row, answer)
        return row["global_key"]


def _export(workshop: Workshop) -> dict[str, str]:
    from alrepro.labelbox import latest_answer

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


def _api(workshop: Workshop, path: str, body: dict | None = None, key: str | None = None) -> dict:
    """A dashboard API call with the teacher's key (or ``key``)."""
    base = workshop.dashboard_url.split("?")[0]
    req = urllib.request.Request(f"{base}api/{path}", data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "X-Teacher-Key": workshop.teacher_key if key is None else key},
                                 method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _state(workshop: Workshop) -> dict:
    return _api(workshop, "state")


def test_restart_loses_no_label_and_the_loop_resumes(tmp_path, monkeypatch):
    from alrepro.labelbox import SentimentProject

    setups = []
    setup = SentimentProject.setup
    monkeypatch.setattr(SentimentProject, "setup", lambda *a, **k: setups.append(1) or setup(*a, **k))
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=3, batch=10, texts=False, poll=(0.2, 0.5))
    given: dict[str, str] = {}
    with Workshop(cfg, out=lambda m: None) as w:
        assert w.labeling_url.startswith(w.fake_url + f"/label/{w.project_id}?join=")
        link = w.labeling_url
        student = PageStudent(w, "s1")
        for i in range(13):  # round 0 (10 rows), then 3 of round 1's
            answer = ("Negative", "Positive")[i % 2]
            given[student.label_one(answer)] = answer
        _wait(lambda: _state(w)["metrics"], 30, "round 0 on the dashboard")
        assert len(setups) == 1  # set up once, before the link was shown; the loop reuses that project
        project_id, teacher_key = w.project_id, w.teacher_key
    assert (tmp_path / "run" / "fake_labelbox.sqlite").exists()
    assert (tmp_path / "run" / "teacher.key").stat().st_mode & 0o077 == 0  # the teacher's alone
    api_key = (tmp_path / "run" / "api.key").read_text().strip()
    assert (tmp_path / "run" / "api.key").stat().st_mode & 0o077 == 0 and len(api_key) >= 24
    with Workshop(cfg, out=lambda m: None) as w:  # same run dir and state file: a restart
        assert w.api_key == api_key  # the fake's API key, drawn once, is kept
        assert w.project_id == project_id
        assert w.teacher_key == teacher_key and w.dashboard_url.endswith(f"/?key={teacher_key}")
        assert w.labeling_url.split("/label/")[1] == link.split("/label/")[1]  # the students' link survives
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


def _refused(method: str, url: str, body: dict | None = None, **headers: str) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **headers})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    return refused.value.code, json.loads(refused.value.read())


def test_the_admin_door_is_locked_and_students_get_tokens_the_teacher_can_revoke(tmp_path):
    from fake_labelbox import DEFAULT_API_KEY

    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=1, batch=5, texts=False, api_key="given-" + "k" * 20)
    with Workshop(cfg, out=lambda m: None) as w:
        assert w.api_key == cfg.api_key == (tmp_path / "run" / "api.key").read_text().strip()  # given, and kept
        ada, bob = PageStudent(w, "ada"), PageStudent(w, "bob")
        labelled = ada.label_one("Positive")
        # the admin API refuses every call without the workshop's admin key, a JSON one on loopback included
        for method, path, body in [("POST", "reset", {}), ("POST", "seed", {"seed": 1}), ("GET", "keys", None),
                                   ("POST", "keys", {"name": "mine"}), ("GET", f"queue/{w.project_id}", None),
                                   ("POST", f"labeling/{w.project_id}/revoke", {"labeler": bob.labeler})]:
            status, error = _refused(method, f"{w.fake_url}/_fake/{path}", body)
            assert status in (401, 403) and "admin key" in error["message"], (path, status, error)
        status, _ = _refused("POST", f"{w.fake_url}/_fake/reset", {}, **{"X-Fake-Admin-Key": w.api_key})
        assert status == 403  # the API key is no admin key
        assert _export(w) == {labelled: "Positive"}  # nothing changed: the label, the project and the key are there
        # the students' page and what it reads never hold the API key
        page = urllib.request.urlopen(w.labeling_url, timeout=30).read().decode()
        for seen in (w.labeling_url, page, json.dumps(bob.next()), json.dumps(_json(f"{ada.base}/status",
                                                                                      token=ada.token))):
            assert w.api_key not in seen and DEFAULT_API_KEY not in seen
        # the teacher revokes one student: their token stops at once, the others' work
        joined = {j["labeler"]: j for j in _state(w)["joined"]}
        assert set(joined) == {ada.labeler, bob.labeler} and not any(j["revoked"] for j in joined.values())
        assert _api(w, "revoke", {"labeler": bob.labeler})["revoked"] is True
        assert _refused("GET", f"{bob.base}/next", **{"X-Labeling-Token": bob.token})[0] == 403
        assert [j["revoked"] for j in _state(w)["joined"] if j["labeler"] == bob.labeler] == [True]
        ada.label_one("Negative")
        with pytest.raises(urllib.error.HTTPError) as unknown:
            _api(w, "revoke", {"labeler": "nobody"})
        assert unknown.value.code == 409


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


@pytest.mark.slow
def test_the_dashboard_answers_only_the_teachers_key(tmp_path):
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=1, batch=5, texts=False, teacher_key="k" * 24)
    with Workshop(cfg, out=lambda m: None) as w:
        assert w.dashboard_url.endswith("/?key=" + "k" * 24)
        with urllib.request.urlopen(w.dashboard_url.split("?")[0], timeout=30) as r:  # the page itself holds nothing
            assert b"Active learning workshop" in r.read()
        for path, body in [("state", None), ("labels.csv", None), ("release", {}), ("pause", {"paused": True}),
                           ("revoke", {"labeler": "x"})]:
            for key in ("", "k" * 23 + "x"):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    _api(w, path, body, key=key)
                assert refused.value.code == 403
                assert "teacher's link" in json.loads(refused.value.read())["message"]
        assert _api(w, "state")["paused"] is False
        with pytest.raises(urllib.error.HTTPError) as bad:
            _api(w, "pause", {"paused": "yes"})
        assert bad.value.code == 400


@pytest.mark.parametrize(("host", "shown"), [("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"),
                                             ("0.0.0.0", "LAN"), ("", "LAN"), ("::", "LAN")])
def test_links_name_the_address_students_can_reach(host, shown):
    assert advertised_host(host) == (lan_address() if shown == "LAN" else shown)


def test_the_lan_address_is_this_machines_own():
    import socket

    address = lan_address()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))  # only an address of one of this machine's interfaces can be bound


@pytest.mark.slow
def test_thirty_students_label_ten_rounds_of_thirty_concurrently(tmp_path):
    """The load test: 30 students through the page's JSON API, 10 rounds of 30, on loopback.

    Every answer is kept exactly once, and the next round's tweets reach the students within 1 s (median) of
    the round's last label. Set ``ALREPRO_LOAD_REPORT=path.json`` to keep the figures."""
    students, rounds, batch = 30, 10, 30
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=rounds, batch=batch, texts=False)
    lock = threading.Lock()
    served: list[tuple[float, str]] = []  # (when a student first saw a row, its key)
    answered: list[tuple[float, str, str, str]] = []  # (when the answer was stored, key, answer, student)
    refused: list[str] = []
    requests = [0]

    def student(name: str, page: PageStudent, done: threading.Event) -> None:
        seen = None
        while not done.is_set():
            try:
                row = page.next()["row"]
                with lock:
                    requests[0] += 1
                if row is None:
                    time.sleep(0.05)
                    continue
                key = row["global_key"]
                if key != seen:
                    with lock:
                        served.append((time.monotonic(), key))
                    seen = key
                answer = ("Negative", "Positive")[int(key) % 2]
                page.answer(row, answer)
                with lock:
                    answered.append((time.monotonic(), key, answer, name))
                    requests[0] += 1
            except urllib.error.HTTPError as e:
                with lock:
                    refused.append(f"{name}: {e.code} {e.read()[:200]!r}")

    with Workshop(cfg, out=lambda m: None) as w:
        done = threading.Event()
        threads = [threading.Thread(target=student, args=(f"s{i:02d}", PageStudent(w, f"s{i:02d}"), done))
                   for i in range(students)]
        start = time.monotonic()
        for t in threads:
            t.start()
        try:
            finished = w.wait(timeout=240)
        finally:
            done.set()
            for t in threads:
                t.join(30)
        elapsed = time.monotonic() - start
        assert finished and w.status.phase == "done", w.status
        exported = _export(w)
        by_round = w.run.labels_by_round()

    keys = [k for _, k, _, _ in answered]
    assert not refused, refused[:5]
    assert len(keys) == len(set(keys)) == rounds * batch  # no row labelled twice, none refused
    assert exported == {k: a for _, k, a, _ in answered}  # no answer lost
    assert [len(r) for r in by_round] == [batch] * rounds
    assert {k: ("Negative", "Positive")[v] for r in by_round for k, v in r} == exported
    first_seen = {}
    for t, k in served:
        first_seen.setdefault(k, t)
    stored = {k: t for t, k, _, _ in answered}
    gaps = [min(first_seen[k] for k, _ in by_round[r + 1]) - max(stored[k] for k, _ in by_round[r])
            for r in range(rounds - 1)]
    figures = {"students": students, "rounds": rounds, "batch": batch, "seconds": round(elapsed, 2),
               "requests": requests[0], "round_gap_s": [round(g, 3) for g in gaps],
               "round_gap_median_s": round(statistics.median(gaps), 3), "round_gap_max_s": round(max(gaps), 3),
               "labellers": len({s for _, _, _, s in answered}), "load_average": os.getloadavg()[0]}
    print(json.dumps(figures))
    if os.environ.get("ALREPRO_LOAD_REPORT"):
        Path(os.environ["ALREPRO_LOAD_REPORT"]).write_text(json.dumps(figures, indent=2) + "\n")
    assert statistics.median(gaps) <= 1.0, figures


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

        # (4) the twins: one point per round at the class's label counts, and each round's gaps with their sign
        metrics = _state(w)["metrics"]
        for line, field in (("random", "random_auc"), ("truth", "truth_auc")):
            assert [int(c) for c in _attrs(browser, f"#curve circle.point-{line}", "data-labels")] == [10, 20]
            assert [float(a) for a in _attrs(browser, f"#curve circle.point-{line}", "data-auc")] == \
                [m[field] for m in metrics]
        assert len(_attrs(browser, "#curve path.line-random", "d")) == 1
        rows = browser.execute_script(
            "return Array.from(document.querySelectorAll('#twin-table tbody tr'))"
            ".map(tr => Array.from(tr.cells).map(td => td.textContent));")
        assert [r[0] for r in rows] == ["1", "0"]  # the latest round first
        for row, m in zip(rows, metrics[::-1], strict=True):
            for text, gap in ((row[4], m["auc"] - m["random_auc"]), (row[6], m["auc"] - m["truth_auc"])):
                sign = "+" if gap > 0 else "\u2212" if gap < 0 else "\u00b1"
                assert text == f"{sign}{abs(gap):.3f}"
        truth = [k for k, v in given.items() if v == LABEL_NAMES[w.dataset_label[k]]]
        assert metrics[-1]["disagreements"] == 20 - len(truth)
        browser.set_window_size(1400, 1000)
        time.sleep(2.5)  # one more poll at the new size
        browser.save_screenshot(str(shots / "dashboard.png"))
    assert (shots / "labeling_page.png").stat().st_size > 10_000
    assert (shots / "dashboard.png").stat().st_size > 10_000


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


@pytest.mark.slow
def test_teacher_controls_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=3, batch=5, texts=False, poll=(0.2, 0.5))
    with Workshop(cfg, out=lambda m: None) as w:
        browser.get(w.dashboard_url)
        state = _wait(lambda: (s := _state(w))["round"] == 0 and s, 60, "round 0")
        first = [r["global_key"] for r in state["requested"]]
        click = lambda button: browser.find_element(By.ID, button).click()  # noqa: E731
        message = lambda: browser.find_element(By.ID, "control-message").text  # noqa: E731

        # release: a student opens a tweet and leaves; the teacher frees it for the others
        gone = PageStudent(w, "gone")
        left = gone.next()["row"]
        _wait(lambda: browser.find_element(By.ID, "release").text == "Release reserved tweets (1)", 30, "1 lease")
        click("release")
        _wait(lambda: message() == "1 reserved tweet released.", 30, "the release")
        assert _json(f"{gone.base}/status", token=gone.token)["leases"] == []
        student = PageStudent(w, "s1")
        assert student.label_one("Positive", timeout=30) == left["global_key"]  # served to the next student

        # revoke: the teacher stops one tab from labelling, from its row in the students' table
        revoke = f'#joined-table tr[data-labeler="{gone.labeler}"] button.revoke'
        _wait(lambda: browser.execute_script("return !!document.querySelector(arguments[0])", revoke), 30,
              "the revoke button")
        browser.execute_script("document.querySelector(arguments[0]).click()", revoke)
        _wait(lambda: message().startswith("Revoked"), 30, "the revocation")
        with pytest.raises(urllib.error.HTTPError) as revoked:
            gone.next()
        assert revoked.value.code == 403

        # pause and resume: a paused page serves nothing and says so
        _wait(lambda: browser.find_element(By.ID, "pause").is_enabled(), 30, "the pause button")
        click("pause")
        _wait(lambda: message().startswith("Paused"), 30, "the pause")
        nxt = PageStudent(w, "s2").next()
        assert nxt["row"] is None and nxt["paused"] is True
        page = _chrome()
        try:
            page.get(w.labeling_url)
            _wait(lambda: page.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "paused", 30,
                  "the students' page paused")
            assert page.find_element(By.ID, "waiting-title").text == "Paused by the teacher."
            _wait(lambda: browser.find_element(By.ID, "pause").text == "Resume", 30, "the resume button")
            click("pause")
            _wait(lambda: message() == "Resumed.", 30, "the resume")
            _wait(lambda: page.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "row", 30,
                  "a tweet on the students' page again")
        finally:
            page.quit()
            shutil.rmtree(page.profile_dir, ignore_errors=True)
        second = student.label_one("Negative", timeout=30)

        # end the round early: the model retrains on the two labels and asks for the next round
        _wait(lambda: browser.find_element(By.ID, "end-round").text == "End round 0 now (2 of 5 labelled)", 30,
              "the end-round button")
        click("end-round")
        _wait(lambda: message().startswith("Round 0 ends now"), 30, "the end of round 0")
        state = _wait(lambda: (s := _state(w))["round"] == 1 and s, 30, "round 1")
        assert [m["labels"] for m in state["metrics"]] == [2]
        rounds = w.run.labels_by_round()
        assert len(rounds) == 1 and dict(rounds[0]) == {left["global_key"]: 1, second: 0}
        rest = set(first) - {left["global_key"], second}
        queue = {q["global_key"]: q["priority"] for q in w._queue()}
        assert all(queue[k] == 2 for k in rest)  # back among the rest of the queue
        _wait(lambda: [int(c) for c in _attrs(browser, "#curve circle.point", "data-labels")] == [2], 30,
              "the round on the curve")

        # downloads: the labels (ids, never texts) and the curves, behind the teacher's key
        csv_url = browser.find_element(By.ID, "download-labels").get_attribute("href")
        lines = _get(csv_url).decode().splitlines()
        assert lines[0] == "tweet_id,label,labeller,round,dataset_label"
        assert sorted(lines[1:]) == sorted([f"{left['global_key']},Positive,s1,0,{w_label(w, left['global_key'])}",
                                            f"{second},Negative,s1,0,{w_label(w, second)}"])
        png_url = browser.find_element(By.ID, "download-curves").get_attribute("href")
        assert _png_size(_get(png_url)) == (840, 540)
        for url in (csv_url, png_url):
            with pytest.raises(urllib.error.HTTPError) as refused:
                _get(url.split("?")[0])
            assert refused.value.code == 403


def w_label(w: Workshop, key: str) -> str:
    return LABEL_NAMES[w.dataset_label[key]]


@pytest.mark.slow
def test_the_students_link_names_the_classroom_address_in_a_real_browser(browser, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    zxingcpp = pytest.importorskip("zxingcpp", reason="decoding the QR code needs zxing-cpp")
    lan = lan_address()
    if lan == "127.0.0.1":
        pytest.skip("this machine has no network interface besides loopback")
    cfg = WorkshopConfig(host="0.0.0.0", port=0, run_dir=tmp_path / "run", rounds=1, batch=5, texts=False)
    with Workshop(cfg, out=lambda m: None) as w:
        assert urllib.parse.urlparse(w.labeling_url).hostname == lan
        assert urllib.parse.urlparse(w.dashboard_url).hostname == lan
        browser.get(w.dashboard_url)  # through the classroom address, as a student's phone would
        link = _wait(lambda: (e := browser.find_element(By.ID, "labeling-url")).text.startswith("http") and e, 60,
                     "the students' link")
        assert link.text == link.get_attribute("href") == w.labeling_url
        qr = _wait(lambda: (e := browser.find_element(By.ID, "qr")).get_attribute("naturalWidth") not in ("0", None)
                   and e, 30, "the QR code")
        shot = Image.open(io.BytesIO(qr.screenshot_as_png))
        assert [r.text for r in zxingcpp.read_barcodes(shot)] == [w.labeling_url]
        browser.get(w.labeling_url)
        _wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "row", 60,
              "a tweet on the page opened from the classroom address")


def test_a_workshop_on_your_own_labelled_texts(tmp_path, monkeypatch):
    """--dataset in a workshop: the page offers the file's labels, the dashboard counts them."""
    pytest.importorskip("torch")
    from alrepro.dataset import DataSource
    from tests.alrepro.labelled_texts import three_class_rows, write_csv

    monkeypatch.setenv("ALREPRO_CACHE_DIR", str(tmp_path / "cache"))
    rows = three_class_rows(150)
    source = DataSource(dataset=str(write_csv(tmp_path / "topics.csv", rows)))
    cfg = WorkshopConfig(port=0, run_dir=tmp_path / "run", rounds=2, batch=6, poll=(0.2, 0.5), source=source)
    with Workshop(cfg, out=lambda m: None) as w:
        student = PageStudent(w, "s1")
        texts = dict(rows)
        for _ in range(6):
            key = student.label_one("sport")
            assert w.text(key) in texts  # students read the file's texts
        state = _wait(lambda: (s := _state(w))["metrics"] and s, 60, "round 0 on the dashboard")
        assert state["label_counts"] == {"cooking": 0, "sport": 6, "weather": 0}
        assert state["texts"]
