"""The later stages' setup done while the pool reads (pipeline._prepare_later_stages) changes nothing a user sees:
a team lexicon still takes effect, and one that cannot be read still ends the run with its message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from svcsheet.cli import cli
from svcsheet.common_issues.cluster import ProblemText, cluster_problems, prepare
from svcsheet.errors import PolicyError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def _run(tmp_path: Path, lexicon: Path, jobs: int):
    policy = tmp_path / f"policy{jobs}.yaml"
    policy.write_text(yaml.safe_dump({"common_issues": {"lexicon": str(lexicon)}}), encoding="utf-8")
    out = tmp_path / f"out{jobs}"
    args = ["run", str(SAMPLES), "--out", str(out), "--policy", str(policy), "--history", "off"]
    return CliRunner().invoke(cli, [*args, "--as-of", "2026-11-23 09:00", "--jobs", str(jobs)]), out


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_missing_team_lexicon_still_ends_the_run_with_its_message(tmp_path, jobs):
    done, out = _run(tmp_path, tmp_path / "missing.yaml", jobs)
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
        done, out = _run(tmp_path, team, jobs)
        assert done.exit_code == 0, done.output
        reports[jobs] = (out / "report.html").read_text(encoding="utf-8")
    assert "净水器团队命名的渗漏" in reports[2]
    assert reports[1] == reports[2]


def test_prepare_raises_what_the_clustering_raises():
    settings = {"lexicon": "/nonexistent/team.yaml"}
    with pytest.raises(PolicyError) as first:
        prepare(settings)
    with pytest.raises(PolicyError) as second:
        cluster_problems([ProblemText("1", "洗衣机漏水", "a", "issue_feedback")], settings)
    assert str(first.value) == str(second.value)
