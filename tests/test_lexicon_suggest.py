"""`svcsheet lexicon suggest` and team lexicons layered over the built-in one."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from svcsheet.cli import cli
from svcsheet.common_issues.cluster import ProblemText, cluster_problems
from svcsheet.common_issues.lexicon_suggest import layered_lexicon, mine_candidates

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"


def test_suggest_on_the_sample_workbooks_writes_reviewable_candidates(tmp_path):
    out = tmp_path / "team.yaml"
    res = CliRunner().invoke(cli, ["lexicon", "suggest", str(SAMPLES), "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["concepts"] == [] and data["candidates"]
    lex = layered_lexicon(None)
    known = {t for c in lex.concepts for t in c.terms} | {t for ts in lex.products.values() for t in ts}
    for c in data["candidates"]:
        assert c["customers"] >= 2 and 1 <= len(c["examples"]) <= 2
        assert c["term"] not in known  # only what the lexicon does not know yet
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"1\d{10}", text)  # examples are de-identified texts: no whole mobile number
    layered_lexicon(out)  # the file as written is a valid (empty) team lexicon


def test_mined_terms_count_customers_not_rows():
    items = [
        ProblemText("1", "手柄摇杆漂移，角色自己走", "a", "issue_feedback"),
        ProblemText("2", "摇杆漂移严重", "a", "issue_feedback"),  # the same customer again
        ProblemText("3", "刚买的手柄就摇杆漂移", "b", "issue_feedback"),
    ]
    [cand] = [c for c in mine_candidates(items) if c.term == "漂移"]
    assert (cand.customers, cand.rows) == (2, 3)


def test_a_team_concept_names_its_cluster_and_extends_the_builtin_lexicon(tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(
        yaml.safe_dump(
            {
                "concepts": [
                    {
                        "id": "stick_drift",
                        "label": "摇杆漂移",
                        "scope": "any",
                        "terms": ["摇杆漂移", "摇杆飘"],
                    }
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    texts = ["手柄摇杆漂移，角色自己走", "摇杆飘得厉害，玩不了", "新手柄左边摇杆漂移"]
    items = [ProblemText(str(i), t, f"c{i}", "issue_feedback") for i, t in enumerate(texts)]
    [issue] = cluster_problems(items, {"lexicon": str(team)}).common
    assert issue.label == "摇杆漂移" and issue.customers == 3
    assert any(c.id == "no_cooling" for c in layered_lexicon(team).concepts)  # built-in concepts remain
