"""A small run with more than one job clusters the problem texts in a forked process while it computes the
figures: the report is the same as when one process does both, whatever happens to the child."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from svcsheet import executors, pipeline
from svcsheet.cli import cli
from svcsheet.common_issues import cluster
from svcsheet.common_issues import early as early_clustering
from svcsheet.common_issues.cluster import ProblemText, cluster_problems, prepare
from svcsheet.errors import PolicyError
from svcsheet.executors import Forked, ForkedAhead

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def _report(tmp_path: Path, name: str, jobs: int) -> str:
    out = tmp_path / name
    args = ["run", str(SAMPLES), "--out", str(out), "--as-of", "2026-11-23 09:00", "--history", "off"]
    done = CliRunner().invoke(cli, [*args, "--jobs", str(jobs)])
    assert done.exit_code == 0, done.output
    return (out / "report.html").read_text(encoding="utf-8")


def _fails(message: str) -> None:
    raise ValueError(message)


def test_forked_returns_what_the_function_returned_and_raises_what_it_raised():
    assert Forked(sorted, [3, 1, 2]).result(died=lambda code: None) == [1, 2, 3]
    with pytest.raises(ValueError, match="坏了"):
        Forked(_fails, "坏了").result(died=lambda code: None)


def test_a_child_forked_ahead_gets_ready_then_works_on_what_it_is_given():
    child = ForkedAhead(sorted, _fails, "not ready")  # a failed preparation is left to the work
    child.give([3, 1, 2])
    assert child.result(died=lambda code: None) == [1, 2, 3]
    unwanted = ForkedAhead(sorted, list)
    unwanted.stop()
    assert not unwanted.process.is_alive()


def test_a_child_that_dies_without_a_word_hands_over_to_died():
    assert Forked(os._exit, 7).result(died=lambda code: f"exit {code}") == "exit 7"


@pytest.mark.parametrize("early", [True, False])
def test_the_child_clusters_and_the_report_lists_the_same_common_issues(tmp_path, monkeypatch, early):
    one = _report(tmp_path, "one", jobs=1)
    forked: list[str] = []
    # the command forks the child before it imports the run's modules; a run without one forks it at its first file
    real = executors.ForkedAhead
    monkeypatch.setattr(early_clustering, "ForkedAhead", lambda *a: forked.append("early") or real(*a))
    monkeypatch.setattr(pipeline, "ForkedAhead", lambda *a: forked.append("at the first file") or real(*a))
    if not early:
        monkeypatch.setattr(early_clustering, "start", lambda *a, **k: None)
    given: list[int] = []
    real_give = executors.ForkedAhead.give
    monkeypatch.setattr(executors.ForkedAhead, "give", lambda self, *a: given.append(1) or real_give(self, *a))
    two = _report(tmp_path, "two", jobs=2)
    assert forked == ["early" if early else "at the first file"] and given == [1]
    assert "共性问题" in one and one == two
    assert early_clustering.take() is None and multiprocessing.active_children() == []


def test_no_child_is_forked_early_for_a_run_that_cannot_take_it(monkeypatch):
    monkeypatch.setattr(early_clustering, "default_jobs", lambda: 1)  # one core
    for jobs, local in ((None, True), (1, True), (2, False)):
        early_clustering.start(jobs, local=local)
        assert early_clustering.take() is None, (jobs, local)
    early_clustering.start(2)
    child = early_clustering.take()
    assert child is not None and child.process.is_alive()
    child.stop()


@pytest.mark.parametrize(
    "args", [["--jobs", "2", "--policy", "missing.yaml"], ["--jobs", "2", "--as-of", "yesterday"]]
)
def test_a_child_forked_early_that_no_run_takes_is_stopped(tmp_path, monkeypatch, args):
    # a policy that cannot be read: the run stops before reading; a time that cannot be read: refused before
    # the run begins
    monkeypatch.chdir(tmp_path)
    started: list[executors.ForkedAhead] = []
    real = executors.ForkedAhead
    monkeypatch.setattr(early_clustering, "ForkedAhead", lambda *a: started.append(real(*a)) or started[-1])
    out = ["run", str(SAMPLES), "--out", str(tmp_path / "out"), "--history", "off", "--as-of", "2026-11-23 09:00"]
    done = CliRunner().invoke(cli, [*out, *args])
    assert done.exit_code == 2, done.output
    assert len(started) == 1 and not started[0].process.is_alive()
    assert early_clustering.take() is None and multiprocessing.active_children() == []


def test_a_clustering_child_that_is_killed_leaves_the_clustering_to_the_run(tmp_path, monkeypatch):
    one = _report(tmp_path, "one", jobs=1)
    parent = os.getpid()
    real = pipeline._common_clustering

    def killed_in_the_child(items, settings):
        if os.getpid() != parent:
            os._exit(9)  # as the out-of-memory killer would
        return real(items, settings)

    monkeypatch.setattr(pipeline, "_common_clustering", killed_in_the_child)
    monkeypatch.setattr(cluster, "common_clustering", killed_in_the_child)  # (the child forked by the command)
    assert _report(tmp_path, "two", jobs=2) == one


def _run_with_lexicon(tmp_path: Path, lexicon: Path, jobs: int):
    policy = tmp_path / f"policy{jobs}.yaml"
    policy.write_text(yaml.safe_dump({"common_issues": {"lexicon": str(lexicon)}}), encoding="utf-8")
    out = tmp_path / f"out{jobs}"
    args = ["run", str(SAMPLES), "--out", str(out), "--policy", str(policy), "--history", "off"]
    return CliRunner().invoke(cli, [*args, "--as-of", "2026-11-23 09:00", "--jobs", str(jobs)]), out


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_missing_team_lexicon_still_ends_the_run_with_its_message(tmp_path, jobs):
    done, out = _run_with_lexicon(tmp_path, tmp_path / "missing.yaml", jobs)
    assert done.exit_code == 2, done.output
    assert "找不到团队词库文件" in done.output
    assert not out.exists()


def test_a_team_lexicon_names_the_issue_with_two_jobs_as_with_one(tmp_path):
    team = tmp_path / "team.yaml"
    # the team renames the built-in leak concept: the samples' 净水器漏水 issue takes the team's name
    concept = {"id": "water_leak", "label": "团队命名的渗漏", "scope": "product", "terms": ["滴水"]}
    team.write_text(yaml.safe_dump({"concepts": [concept]}, allow_unicode=True), encoding="utf-8")
    reports = {}
    for jobs in (1, 2):
        done, out = _run_with_lexicon(tmp_path, team, jobs)
        assert done.exit_code == 0, done.output
        reports[jobs] = (out / "report.html").read_text(encoding="utf-8")
    assert "净水器团队命名的渗漏" in reports[2]
    assert reports[1] == reports[2]


def test_a_broken_team_lexicon_loaded_ahead_is_reported_by_the_clustering(tmp_path):
    # the run loads the clustering's lexicon while its workers read: the error belongs to the clustering stage
    team = tmp_path / "team.yaml"
    team.write_text("concepts: [", encoding="utf-8")
    prepare({"lexicon": str(team)})
    item = ProblemText(uid="FB-1", text="净水器漏水", customer="c1", form="feedback")
    with pytest.raises(PolicyError, match="词库"):
        cluster_problems([item], {"lexicon": str(team)})


def test_a_run_found_large_while_reading_stops_its_clustering_child_and_clusters_itself(tmp_path, monkeypatch):
    one = _report(tmp_path, "one", jobs=1)
    events: list[str] = []
    real_stop, real_clustering = pipeline.ForkedAhead.stop, pipeline._common_clustering
    monkeypatch.setattr(pipeline.ForkedAhead, "stop", lambda self: events.append("stop") or real_stop(self))
    monkeypatch.setattr(
        pipeline, "_common_clustering", lambda *a: events.append(f"cluster in {os.getpid()}") or real_clustering(*a)
    )
    # the first file's rows keep the run small; the files after it make it large
    monkeypatch.setattr(executors, "SMALL_RUN_ROWS", 40)
    assert _report(tmp_path, "two", jobs=2) == one
    assert events[:2] == ["stop", f"cluster in {os.getpid()}"]


def test_a_child_that_cannot_be_forked_early_does_not_stop_the_run(tmp_path, monkeypatch):
    def no_process(*_args):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(early_clustering, "ForkedAhead", no_process)
    assert "共性问题" in _report(tmp_path, "out", jobs=2)
    assert early_clustering.take() is None
