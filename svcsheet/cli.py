"""The svcsheet command line: each command parses its options and calls one library function.

Errors become a message and an exit code in one place (``SvcsheetGroup.invoke``).

Exit codes: 0 success (rejected rows are normal business); 1 verify found problems, trace found nothing, or
validate --strict found errors; 2 usage or policy error; 3 some input file could not be read (the others were
processed and written); 5 archive store problem. (A calendar gap is a warning on the rows it affects, not an exit.)
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import SvcsheetError

err = Console(stderr=True)
out = Console()


class SvcsheetGroup(click.Group):
    """Turns every SvcsheetError into one message and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SvcsheetError as exc:
            err.print(f"[bold red]错误[/] {escape(str(exc))}", highlight=False)  # [dask] is not markup
            sys.exit(exc.exit_code)


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"{value!r}: expected 'YYYY-MM-DD HH:MM'", param_hint="--as-of")


@click.group(cls=SvcsheetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="svcsheet")
def cli() -> None:
    """svcsheet: validate, de-identify and report on after-sales service workbooks."""


@cli.command()
@click.argument("form", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the definitions as JSON.")
def schema(form: str | None, as_json: bool) -> None:
    """Print the form definitions (all forms, or FORM)."""
    from .forms import schema_dict

    data = schema_dict([form] if form else None)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for f in data["forms"]:
        table = Table(title=f"{f['key']}  {f['name']}  (编号字段: {f['id_field']})", title_justify="left")
        for col in ("key", "label", "type", "required", "choices"):
            table.add_column(col)
        for fld in f["fields"]:
            table.add_row(
                fld["key"],
                fld["label"],
                fld["type"],
                "*" if fld["required"] else "",
                "、".join(fld["choices"]),
            )
        out.print(table)
        stages = "  ".join(f"{s['key']}({s['label']})" for s in f["stages"])
        out.print(f"SLA stages: {stages}\n", highlight=False)


@cli.command()
@click.argument("form", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="File (one form) or folder (--all).",
)
@click.option("--all", "all_forms", is_flag=True, help="Write a template for every form into the folder -o.")
def template(form: str | None, output: Path, all_forms: bool) -> None:
    """Write a blank fillable workbook for FORM (or --all forms)."""
    from .forms import get_form
    from .template import write_all_templates, write_template

    if all_forms:
        for path in write_all_templates(output):
            out.print(f"已生成 {path}", highlight=False)
        return
    if not form:
        raise click.UsageError("give a FORM or --all")
    out.print(f"已生成 {write_template(get_form(form), output)}", highlight=False)


def _executor_options(command):
    """--executor, --scheduler and --send: where the per-file work runs."""
    options = [
        click.option(
            "--executor",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            help='Run the per-file work in local processes, or on Dask (pip install "svcsheet[dask]").',
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help="Dask scheduler to use (default with --executor dask: a local cluster of --jobs workers).",
        ),
        click.option(
            "--send",
            type=click.Choice(["bytes", "path"]),
            default="bytes",
            show_default=True,
            help="Dask: send each input file's bytes to the workers, or only its path (workers share the disk).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _executor(executor, scheduler, send):
    from .executors import ExecutorSpec

    return ExecutorSpec(kind=executor, scheduler=scheduler, send=send)


def _run_options(
    inputs, out_dir, as_of, policy, period=None, history=None, store=None, jobs=None, executor=None
):
    from .pipeline import RunOptions

    return RunOptions(
        inputs=[Path(p) for p in inputs],
        out=out_dir,
        as_of=_as_of(as_of),
        policy=policy,
        period=period,
        history=history,
        store=store,
        jobs=jobs,
        executor=executor,
    )


def _run_with_progress(options):
    from .pipeline import run

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run(options, progress)


def _print_summary(result) -> None:
    table = Table(title="处理结果", title_justify="left")
    for col in ("文件", "读取", "合格", "退回", "警告", "状态"):
        table.add_column(col)
    for fr in result.files:
        status = f"[red]无法读取：{fr.error}[/]" if fr.error else "已读取"
        table.add_row(
            fr.name, str(len(fr.rows)), str(fr.rows_clean), str(fr.rows_rejected), str(fr.warnings), status
        )
    totals = result.totals
    table.add_row(
        "合计",
        str(totals["rows_read"]),
        str(totals["rows_clean"]),
        str(totals["rows_rejected"]),
        str(totals["findings"]["warning"]),
        "",
        style="bold",
    )
    out.print(table)
    top = result.top_findings(5)
    if top:
        out.print("最常见的问题：")
        for message, n in top:
            out.print(f"  {n:>4} × {message}", highlight=False, soft_wrap=True)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as-of", help='"Now" for open items, "YYYY-MM-DD HH:MM" (default: the run\'s start).')
@click.option("--policy", type=click.Path(path_type=Path, dir_okay=False), help="Team policy file (YAML).")
@click.option("--strict", is_flag=True, help="Exit 1 when any row would be rejected.")
@click.option("--notes", is_flag=True, help="Also list notes (values svcsheet normalised, e.g. synonyms).")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes reading the files (default: one per core); the outputs are the same for any number.",
)
@_executor_options
def validate(inputs, as_of, policy, strict, notes, jobs, executor, scheduler, send) -> None:
    """Check workbooks (files or folders) and list every finding by file and cell; writes nothing."""
    from .findings import SEVERITY_LABELS

    spec = _executor(executor, scheduler, send)
    result = _run_with_progress(_run_options(inputs, None, as_of, policy, jobs=jobs, executor=spec))
    shown = [f for f in result.findings if notes or f.severity != "info"]
    for file in dict.fromkeys(f.file for f in shown):
        out.print(f"[bold]{file}[/]", highlight=False)
        for f in (x for x in shown if x.file == file):
            where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
            style = {"error": "red", "warning": "yellow"}.get(f.severity, "dim")
            out.print(
                f"  [{style}]{SEVERITY_LABELS[f.severity]}[/] {where}  {f.message}",
                highlight=False,
                soft_wrap=True,
            )
    _print_summary(result)
    code = result.exit_code
    if code == 0 and strict and any(r.rejected for r in result.rows):
        code = 1
    sys.exit(code)


@cli.command("run")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Output folder."
)
@click.option("--as-of", help='"Now" for open items, "YYYY-MM-DD HH:MM" (default: the run\'s start).')
@click.option("--policy", type=click.Path(path_type=Path, dir_okay=False), help="Team policy file (YAML).")
@click.option(
    "--period",
    help="week | month | YYYY-Www | YYYY-MM (default: the ISO week of the latest opening time among accepted rows).",
)
@click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    help="History database (SQLite) for trends (default: svcsheet-history.sqlite beside OUT).",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    help="Archive store: record the run in its ledger.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes reading the files (default: one per core); the outputs are the same for any number.",
)
@_executor_options
def run_cmd(inputs, out_dir, as_of, policy, period, history, store, jobs, executor, scheduler, send) -> None:
    """Validate, de-identify, compute SLA and common issues, and write every output into OUT."""
    spec = _executor(executor, scheduler, send)
    result = _run_with_progress(
        _run_options(inputs, out_dir, as_of, policy, period, history, store, jobs, spec)
    )
    _print_summary(result)
    out.print(f"输出目录：{out_dir}", highlight=False)
    sys.exit(result.exit_code)


@cli.command()
@click.option("--show", is_flag=True, help="Print the effective policy (defaults merged with --policy).")
@click.option(
    "--init", "init_path", type=click.Path(path_type=Path, dir_okay=False), help="Write a commented policy."
)
@click.option(
    "--policy", type=click.Path(path_type=Path, dir_okay=False), help="Team policy file to check and show."
)
def policy(show, init_path, policy) -> None:
    """Show the effective policy, or write a commented copy to edit."""
    from .policy import init_policy, load_policy, policy_as_yaml

    if init_path:
        out.print(f"已生成 {init_policy(init_path)}", highlight=False)
        return
    click.echo(policy_as_yaml(load_policy(policy)))


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store", required=True, type=click.Path(path_type=Path, file_okay=False), help="Archive store folder."
)
@click.option(
    "--prune", is_flag=True, help="List archived files older than the policy's retention (delete with --yes)."
)
@click.option("--yes", is_flag=True, help="With --prune: really delete what is listed.")
@click.option(
    "--policy", type=click.Path(path_type=Path, dir_okay=False), help="Team policy file (retention)."
)
def archive(inputs, store, prune, yes, policy) -> None:
    """Archive original workbooks (content-addressed, read-only) with a ledger; or --prune old ones."""
    from .archive import prune_store
    from .audit import archive_inputs
    from .policy import load_policy

    if prune:
        retention = load_policy(policy).archive.retention_days
        report = prune_store(store, retention, datetime.now().astimezone(), yes=yes)
        verb = "已删除" if yes else "可删除（加 --yes 才会删除）"
        for item in report.candidates:
            out.print(f"{verb}：{item.stored_path}  {'、'.join(item.original_names)}", highlight=False)
        out.print(
            f"保留期 {retention} 天，截止 {report.cutoff}；未到期保留 {report.kept_young} 个，"
            f"仍被近期运行使用保留 {report.kept_in_use} 个。",
            highlight=False,
        )
        return
    if not inputs:
        raise click.UsageError("give INPUT files or folders to archive, or --prune")
    for entry in archive_inputs([Path(p) for p in inputs], store):
        state = "已存在，未重复保存" if entry.already_present else "已归档"
        out.print(f"{state}：{entry.original_name}  sha256={entry.sha256[:12]}…", highlight=False)


@cli.command()
@click.option(
    "--store", required=True, type=click.Path(path_type=Path, file_okay=False), help="Archive store folder."
)
def verify(store) -> None:
    """Re-hash the archive; report missing, altered and unexpected files (exit 1 on any)."""
    from .archive import verify_store

    report = verify_store(store)
    for title, items in (
        ("缺失", report.missing),
        ("被改动", report.altered),
        ("多出的文件", report.unexpected),
    ):
        for item in items:
            out.print(f"[red]{title}[/]：{item}", highlight=False)
    out.print(
        f"核对 {len(report.ok)} 个文件完好；缺失 {len(report.missing)}，被改动 {len(report.altered)}，"
        f"多出 {len(report.unexpected)}。",
        highlight=False,
    )
    sys.exit(0 if report.clean else 1)


@cli.command()
@click.argument("ticket_id")
@click.option("--store", type=click.Path(path_type=Path, file_okay=False), help="Archive store folder.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="A run's output folder."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def trace(ticket_id, store, out_dir, as_json) -> None:
    """Where TICKET_ID came from (file, sheet, row, run), its findings and SLA verdicts."""
    from .audit import trace as trace_fn

    if (store is None) == (out_dir is None):
        raise click.UsageError("give exactly one of --store or --out")
    hits = trace_fn(ticket_id, store=store, out_dir=out_dir)
    if as_json:
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2, default=str))
        return
    from .findings import SEVERITY_LABELS
    from .forms import load_forms

    forms = load_forms()
    for hit in hits:
        form = forms.get(hit.get("form") or "")
        status = {"clean": "合格", "rejected": "退回"}.get(
            hit.get("status") or "", hit.get("status") or "未运行"
        )
        run = f"  运行 {hit['run_id']}" if hit.get("run_id") else ""
        out.print(
            f"[bold]{form.name if form else hit.get('form')} {hit.get('ticket_id')}[/]  {hit.get('file')}  "
            f"工作表「{hit.get('sheet')}」第 {hit.get('row')} 行  {status}{run}",
            highlight=False,
            soft_wrap=True,
        )
        for f in hit.get("findings") or []:
            where = f.get("cell") or "整行"
            label = SEVERITY_LABELS.get(f.get("severity"), f.get("severity"))
            out.print(f"    {label} {where}  {f.get('message')}", highlight=False, soft_wrap=True)
        for stage, verdict in (hit.get("sla") or {}).items():
            name = form.stage(stage).label if form else stage
            out.print(f"    时效 {name}：{verdict}", highlight=False, soft_wrap=True)


def main() -> None:
    """Console entry point."""
    cli(prog_name="svcsheet")


if __name__ == "__main__":
    main()
