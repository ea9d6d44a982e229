"""The batch that holds most of a common issue's rows, as the weekly and the monthly report show it."""

from __future__ import annotations

from datetime import datetime

from svcsheet.common_issues.cluster import ProblemText, cluster_problems

TEXTS = [
    "开机无反应，电源指示灯也不亮",
    "按了电源键机器完全没动静",
    "通电后不启动，指示灯闪一下就灭了",
    "无法开机",
    "开不了机，按什么键都没反应",
    "插上电源后机器没有任何反应",
]


def _items(models: list[str], batches: list[str | None], counts: list[bool] | None = None) -> list[ProblemText]:
    counts = counts or [True] * len(models)
    return [
        ProblemText(
            uid=f"u{i}",
            text=TEXTS[i % len(TEXTS)],
            customer=f"c{i}",
            form="issue_feedback",
            model=model,
            batch=batch,
            opened=datetime(2026, 11, 2 + i),
            counts=count,
        )
        for i, (model, batch, count) in enumerate(zip(models, batches, counts, strict=True))
    ]


def _issue(items: list[ProblemText]):
    [issue] = cluster_problems(items, {"min_customers": 3}).common
    return issue


def test_a_batch_typed_inside_the_model_cell_counts():
    models = ["X-2024 空气净化器（批次 B2311）", "X-2024（批次 b2311）", "X-2024", "X-2024 空气净化器"]
    issue = _issue(_items(models, [None, None, "B2311", None]))
    assert issue.dominant_batch == "B2311"
    assert dict(issue.batches) == {"B2311": 3}


def test_rows_outside_the_window_do_not_decide_the_batch():
    # two in-window rows of B2311; three old rows of B2201 that joined the cluster but count for nobody
    models = ["X-2024"] * 6
    batches = ["B2311", "B2311", None, "B2201", "B2201", "B2201"]
    issue = _issue(_items(models, batches, [True, True, True, False, False, False]))
    assert issue.dominant_batch == "B2311"


def test_no_batch_named_twice_means_no_dominant_batch():
    issue = _issue(_items(["X-2024"] * 4, ["B2311", "B2312", None, None]))
    assert issue.dominant_batch is None
