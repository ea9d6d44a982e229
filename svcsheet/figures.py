"""Every figure of a run, computed once; the summary workbook and the HTML report both read this object."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .forms import FormSpec


@dataclass
class FileQuality:
    """Data quality of one input workbook: who must fix what."""

    file: str
    rows: int
    clean: int
    rejected: int
    warnings: int
    error: str | None
    top_findings: list[tuple[str, int]]  # (message summary, count)


@dataclass
class Figures:
    """The figures of one run."""

    period_label: str | None
    files: int
    files_unreadable: int
    rows_read: int
    rows_clean: int
    rows_rejected: int
    by_form: list[tuple[str, int, int, int]]  # (form name, read, clean, rejected)
    quality: list[FileQuality]
    top_findings: list[tuple[str, str, int]]  # (code, label, count)
    extra: dict[str, Any] = field(default_factory=dict)


def compute_figures(result, forms: dict[str, FormSpec]) -> Figures:
    rows = result.rows
    quality = []
    for fr in result.files:
        counter = Counter(
            _headline(f) for r in fr.rows for f in r.safe_findings if f.severity in ("error", "warning")
        )
        quality.append(
            FileQuality(
                file=fr.name,
                rows=len(fr.rows),
                clean=fr.rows_clean,
                rejected=fr.rows_rejected,
                warnings=fr.warnings,
                error=fr.error,
                top_findings=sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:3],
            )
        )
    codes = Counter((f.code, _headline(f)) for r in rows for f in r.safe_findings if f.severity != "info")
    by_form = []
    for form in forms.values():
        mine = [r for r in rows if r.form == form.key]
        by_form.append((form.name, len(mine), sum(1 for r in mine if not r.rejected), sum(1 for r in mine if r.rejected)))
    return Figures(
        period_label=None,
        files=len(result.files),
        files_unreadable=sum(1 for f in result.files if f.error),
        rows_read=len(rows),
        rows_clean=sum(1 for r in rows if not r.rejected),
        rows_rejected=sum(1 for r in rows if r.rejected),
        by_form=by_form,
        quality=quality,
        top_findings=[(c, lbl, n) for (c, lbl), n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
    )


def _headline(finding) -> str:
    """A finding's message without the per-row detail after the first sentence (for counting)."""
    return finding.message.split("，")[0].split("。")[0]
