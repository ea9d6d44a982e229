"""The batch run: a list of stages, each one module with one public function.

read -> parse -> validate -> de-identify -> SLA -> common issues -> figures -> write outputs -> archive.
Everything is computed first; outputs are written into a temporary folder and moved into place at the end.
"""

from __future__ import annotations

import ctypes
import gc
import io
import pickle
import threading
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from multiprocessing.reduction import ForkingPickler
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from . import __version__
from .audit.archive import sha256_file
from .checking.parse import parse_row
from .checking.validate import EXCEL_CELL_LIMIT, check_duplicates, check_row
from .common_issues.cluster import Clustering, ProblemText, common_clustering
from .common_issues.cluster import prepare as prepare_clustering
from .common_issues.early import take as take_early_clustering
from .common_issues.textnorm import batch_in_text
from .compact import PackedTuples, compact_cells, share_layouts
from .deid.deidentifier import Deidentifier
from .deid.keys import resolve_key
from .deid.redact import NameIndex, forget_typed_names, person_names, redact_findings, redact_row
from .errors import UnreadableWorkbook, UsageError
from .executors import (
    ExecutorSpec,
    Forked,
    ForkedAhead,
    LocalPool,
    default_jobs,
    forks_for,
    local_jobs,
    map_files,
    small_run,
)
from .findings import at_field, make
from .forms import FormSpec, load_forms
from .gcpause import paused_gc
from .policy import Policy, load_policy
from .reading.discover import InputFile, SkippedInput, check_output_folder, discover_inputs
from .reading.reader import UNEXPECTED, check_size, read_workbook
from .records import FieldMap, Finding, Parsed, Provenance, Row, SharedValues, SheetInfo
from .sla.bizcal import BusinessCalendar
from .sla.period import Period, as_datetime, parse_period
from .sla.verdicts import StageResult, evaluate_row
from .switching import short_switch_interval

EXIT_OK = 0
EXIT_SOME_UNREADABLE = 3
SHARED_TEXTS_MAX = 50_000  # distinct de-identified texts the run shares as results arrive (emptied when full)

Progress = Callable[[str, int, int], None]  # (stage label, done, total)


@dataclass
class RunOptions:
    """What the supervisor asked for. Paths are as typed; ``out`` None means validate only (nothing written)."""

    inputs: Sequence[Path]
    out: Path | None = None
    as_of: datetime | None = None
    policy: Path | None = None
    period: str | None = None
    history: Path | None = None
    store: Path | None = None
    jobs: int | None = None  # worker processes for the per-file work; None: one per core
    executor: ExecutorSpec | None = None  # where the per-file work runs (None: the local process pool)


@dataclass
class InWorker:
    """What de-identifying a file with its per-file work (its own names only) leaves for the run to check
    against the run's names (``_deidentify``): the file's names, every text they were looked for in (joined by
    ``SEP``) and which of them each row (and the file's own names) searched, each row's findings count before
    and after (findings added since, duplicates across files, mean the row is done again), the sheets as read
    (their masked copies replaced them), and every row's parsed values as read (the rows keep only what later
    stages read, see ``_slim``). From another process the names, the texts searched and the values come
    pickled and deflated (the counts are one array): the run holds every file's until it checks them all,
    ~40 MB at 100,000 rows of distinct customers as sets and tuples, and opens a file's only when it needs them."""

    names: frozenset[str] | bytes
    texts: str
    uses: tuple[tuple[int, ...], ...] | bytes  # per row, then for the file itself: which of ``texts`` it searched
    counts: array  # per row, its findings count before and after, one pair after another
    sheets: list[SheetInfo]
    values: bytes | list[Any]

    SEP = "\x00"  # in no name (else the run does every file again: ``NameIndex.joinable``)

    def raw_values(self) -> list[Any]:
        return _unpacked(self.values)

    def name_set(self) -> frozenset[str]:
        return _unpacked(self.names)

    def searched(self) -> tuple[tuple[int, ...], ...]:
        return _unpacked(self.uses)

    def count_pairs(self) -> Iterable[tuple[int, int]]:
        """Each row's (findings before, after)."""
        return zip(self.counts[0::2], self.counts[1::2], strict=True)


def _packed(value: Any) -> bytes:
    """Pickled with the pool's reductions (executors._send_records_as_calls) and deflated."""
    buffer = io.BytesIO()
    ForkingPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return zlib.compress(buffer.getvalue(), 1)


def _unpacked(value: Any) -> Any:
    return pickle.loads(zlib.decompress(value)) if isinstance(value, bytes) else value


_REJECTED = attrgetter("rejected")


@dataclass
class FileResult:
    """One input workbook: what was read from it, or why it could not be read."""

    input: InputFile
    sha256: str
    error: str | None = None
    sheets: list[SheetInfo] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # file- and sheet-level findings (no row)
    safe_name: str | None = None  # the display name with personal data masked (set by the de-identify stage)
    safe_findings: list[Finding] = field(default_factory=list)
    # the file de-identified with the per-file work (checked, then dropped, by the run)
    deid: InWorker | None = None

    @property
    def name(self) -> str:
        """The file's name as every output except returns/ shows it."""
        return self.safe_name or self.input.name

    @property
    def rows_clean(self) -> int:
        return len(self.rows) - self.rows_rejected

    @property
    def rows_rejected(self) -> int:
        return sum(map(_REJECTED, self.rows))

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rows for f in r.findings if f.severity == "warning") + sum(
            1 for f in self.findings if f.severity == "warning"
        )


@dataclass
class RunResult:
    """Everything a run computed; the writers and the CLI read it, nothing recomputes."""

    options: RunOptions
    policy: Policy
    as_of: datetime
    files: list[FileResult]
    clustering: Clustering | None = None
    period: Period | None = None  # the report period (weekly or monthly)
    figures: Any = None
    outputs: list[dict[str, str]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    skipped: list[SkippedInput] = field(default_factory=list)  # inputs not read (links out, FIFOs...) and why

    @property
    def rows(self) -> list[Row]:
        return [r for f in self.files for r in f.rows]

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the run, de-identified, in a stable order."""
        out = [f for fr in self.files for f in fr.safe_findings]
        out += [f for r in self.rows for f in r.safe_findings]
        return out

    @property
    def totals(self) -> dict[str, Any]:
        """The run's counts, as run.json records them and the CLI prints them (each row and finding walked
        once: they are ~100,000 and ~500,000 in a month)."""
        rows = self.rows
        rejected = sum(map(_REJECTED, rows))
        severities = Counter(f.severity for fr in self.files for f in fr.safe_findings)
        severities.update(f.severity for r in rows for f in r.safe_findings)
        return {
            "files": len(self.files),
            "files_unreadable": sum(1 for f in self.files if f.error),
            "rows_read": len(rows),
            "rows_clean": len(rows) - rejected,
            "rows_rejected": rejected,
            "findings": {sev: severities[sev] for sev in ("error", "warning", "info")},
            "common_issues": len(self.clustering.common) if self.clustering else 0,
        }

    def top_findings(self, n: int = 5) -> list[tuple[str, int]]:
        """The most frequent error and warning messages (de-identified), most frequent first."""
        counts = Counter(f.message for f in self.findings if f.severity != "info")
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    @property
    def exit_code(self) -> int:
        return (
            EXIT_SOME_UNREADABLE
            if any(not s.unsupported for s in self.skipped) or any(f.error for f in self.files)
            else EXIT_OK
        )


def run(options: RunOptions, progress: Progress | None = None) -> RunResult:
    """Run the batch and, when ``options.out`` is set, write every output. Never stops for one bad file or row."""
    gc.freeze()  # what was loaded before (modules, forms, lexicons) is never garbage: see _keep
    try:
        with short_switch_interval():
            return _run(options, progress)
    finally:
        gc.unfreeze()


def _keep(collect: bool = False) -> None:
    """The objects made so far stay until the outputs are written: keep the garbage collector's full
    collections off them. A run holds millions of small objects (rows, their values and verdicts), and every
    full collection walked all of them: about a sixth of a run's CPU time. Freezing is O(1); rows that do
    become garbage are still freed by reference counting. ``collect``: collect first what is not frozen yet
    (a workbook read in this process can leave cycles behind; only the objects since the last freeze are
    walked, so this costs one file's worth)."""
    if collect:
        gc.collect()
    gc.freeze()


def _in_process(options: RunOptions, files: int) -> bool:
    """Whether the per-file work runs in this process (as map_files decides)."""
    local = options.executor is None or options.executor.kind == "local"
    return local and min(default_jobs() if options.jobs is None else max(1, options.jobs), files) <= 1


def _run(options: RunOptions, progress: Progress | None) -> RunResult:
    with ExitStack() as cleanup:  # worker processes and what they wrote, whatever happens
        return _stages(options, progress, cleanup)


def _stages(options: RunOptions, progress: Progress | None, cleanup: ExitStack) -> RunResult:
    # the clustering's child forked by the command before it imported this module, if it did (stopped unless
    # a small run takes it: _Ahead)
    early_child = take_early_clustering()
    if early_child is not None:
        cleanup.callback(early_child.stop)
    policy = load_policy(options.policy)
    as_of = (options.as_of or datetime.now()).replace(second=0, microsecond=0, tzinfo=None)
    forms = load_forms()
    report = progress or (lambda *_: None)
    exclude = [options.out] if options.out else []
    if options.out is not None:
        check_output_folder(options.out, options.inputs)
    found = discover_inputs(options.inputs, exclude=exclude, protect=[policy.deid.key_file])
    inputs = found.files
    if not inputs:
        why = "".join(f"；{s.name}：{s.reason}" for s in found.skipped[:5])
        raise UsageError(f"输入中没有找到工作簿（.xlsx .xlsm .xls .ods）{why}")

    # 1-3. read each file, parse and validate its rows, and the SLA verdicts of the rows it accepts (a file
    # that cannot be read is recorded, not fatal); files are independent, so worker processes share them, and
    # the results come back in input order. The local pool stays for returns/ (after step 5).
    pool = None
    if options.out is not None and local_jobs(options.jobs, len(inputs), options.executor) > 1:
        pool = LocalPool(local_jobs(options.jobs, len(inputs)))
        cleanup.callback(pool.close)
    files = []
    # local workers de-identify each file with its own names too (same key, same masks: ``_deidentify`` checks
    # them against the run's names); a Dask worker may have another key, so the run does it for those files
    here = options.executor is None or options.executor.kind == "local"
    how = (PACK if local_jobs(options.jobs, len(inputs)) > 1 else KEEP) if here else None
    per_file = map_files(
        read_file, inputs, (policy, as_of, how), options.jobs, options.executor, lost=lost_file, pool=pool
    )
    texts: dict[str, str] = {}  # one object per distinct finding message and value: most repeat across rows
    # one object per distinct de-identified text (masked names, descriptions, choices): a worker's result
    # brings its own copies, ~25 MB of equal strings at 100,000 rows of distinct customers
    safe_texts: dict[str, str] = {}
    # equal verdicts (same outcome, times, minutes): one object
    verdicts = SharedValues(by_fields=StageResult)
    in_process = _in_process(options, len(inputs))
    rule = policy.common_issues
    settings = {"min_customers": rule.min_customers, "threshold": rule.similarity, "lexicon": rule.lexicon}
    # while other processes read, this one loads what its later stages need (a run that reads here gains nothing)
    ahead = None if in_process else _Ahead(early_child)
    if ahead is not None:
        cleanup.callback(ahead.stop)
    elif early_child is not None:
        early_child.stop()
    read_rows = 0
    collecting = gc.isenabled()
    if not in_process:
        # the results arrive as millions of new objects (rows, values, verdicts) without reference cycles: the
        # collections their allocations set off walk them and free nothing (workers turn the collector back
        # on: executors._worker_init)
        gc.disable()
    try:
        for i, fr in enumerate(per_file):
            read_rows += len(fr.rows)
            if ahead is not None:
                ahead.now_read(read_rows, settings, options)
            report("读取", i, len(inputs))
            for row in fr.rows:
                share_layouts(row.cells)  # rows from worker processes share layouts and short texts again
                if row.findings:
                    row.findings, row.safe_findings = _share_findings(row.findings, row.safe_findings, texts)
                if isinstance(row.sla, FieldMap):
                    row.sla.share(verdicts)
                if isinstance(row.safe, FieldMap):
                    row.safe.share_texts(safe_texts)
            if len(safe_texts) > SHARED_TEXTS_MAX:  # one-off texts (phones) must not pile up: emptied, not held
                safe_texts.clear()
            files.append(fr)
            _keep(collect=in_process)
    finally:
        if collecting:
            gc.enable()
    _keep()  # the results the last files sent since the last freeze
    del texts, verdicts, safe_texts
    _WORKER_DEIDS.clear()  # read in this process: its de-identifier's memos hold texts as typed
    report("读取", len(inputs), len(inputs))
    rows = [r for f in files for r in f.rows]
    _release_freed_memory()
    check_duplicates(rows, forms)

    # 4-5. file by file (each row as before, in the same order): identify customers (keyed hash before
    # masking) and de-identify every value, the file's names, then the SLA findings of its accepted rows (the
    # verdicts were computed with the per-file work; a row rejected since, a duplicate across files, drops
    # them) and the de-identified findings. Local workers did this with each file's own names: what another
    # file's name or a duplicate changes is done again here (``_deidentify``). A file's findings are then all
    # known: with a local pool, its workers write its returns/ copy while this process goes on with the next files.
    deid = Deidentifier(resolve_key(policy), policy.raw["deid"])
    names = NameIndex(n for fr in files for n in _names_of(fr, forms))
    early = None
    if pool is not None:
        from .outputs import start_returns

        early = start_returns(pool, options.out)
        cleanup.callback(early.discard)
    for fr in files:
        _keep()
        _deidentify(fr, forms, deid, names, policy, as_of)
        if early is not None:
            early.add(fr)
            # the file's returns/ copy has its findings: the de-identified ones serve every other output (no
            # pool wrote returns/: the raw findings stay for it; a caller may write_outputs a run without ``out``)
            for row in fr.rows:
                row.findings = row.safe_findings
    _keep()
    skipped = [
        replace(s, name=deid.free_text(s.name, names.present(s.name))[0] or s.name) for s in found.skipped
    ]
    # their memos key masked texts by the texts as typed (names, phones, descriptions): tens of MB at 100,000
    # rows, no longer needed, and no raw value should stay behind the outputs
    del deid, names
    forget_typed_names()

    # 6. the report period, then common issues across the problem texts of the accepted rows in its window
    accepted = [r for r in rows if not r.rejected]
    period = parse_period(options.period, as_of, [_opened(r, forms) for r in accepted])
    in_window = [r for r in accepted if rule.window != "period" or period.contains(_opened(r, forms))]
    # a text per row, then the clustering's per-text objects, and no cycles among them: the collector's full
    # collections walked them all (~0.3 s each at 100,000 rows) and freed nothing; one collection after
    with paused_gc():
        earlier = []
        ids: list[str | None] = []  # each text's ticket id, for the history
        if rule.window == "days":  # every accepted row is clustered (and marked); only the window's rows count
            start = period.end - timedelta(days=rule.window_days)
            texts = _problem_texts(in_window, forms, (start, period.end), ids)
            earlier = _window_history(options, policy, period, in_window, forms)
        else:
            texts = _problem_texts(in_window, forms, ids=ids)
        items = texts + [p for _f, _t, _o, p in earlier]
        window_items = _window_items(options, policy, rule, ids, texts)
        del texts, ids, earlier, in_window  # a text per accepted row: not needed by the outputs
    _release_freed_memory()  # the raw values and memos dropped above: their pages go back before the clustering

    result = RunResult(
        options=options,
        policy=policy,
        as_of=as_of,
        files=files,
        clustering=None,
        period=period,
        skipped=skipped,
    )

    # 7. the figures beside the clustering (independent until the report lists the common issues: the figures
    # read the clustering only for those, added afterwards). A small run clusters in a forked process while this
    # one computes the figures: the run's tail is on one core otherwise. The child was forked at the first file
    # and has loaded what the clustering needs (_Ahead); it is sent the texts. A large run computes the figures
    # while its workers finish returns/, then clusters here once they are gone: idle, they would add to its
    # transient.
    from .outputs.figures import add_common_issues, compute_figures

    if ahead is not None:
        ahead.join()  # before forking: no fork while a thread imports (done long before at any size that matters)
    later: Forked | None = None
    if forks_for(len(rows), options.jobs):
        if ahead is not None and ahead.child is not None:
            later, ahead.child = ahead.child, None
            later.give(items, settings)
        else:
            later = Forked(_common_clustering, items, settings)
    try:
        result.figures = compute_figures(result, forms, collect=False, common=False)
    except BaseException:
        if later is not None:
            later.stop()  # the clustering is not wanted any more
        raise
    result.figures.records = []  # a record per accepted ticket: the history keeps them packed (history_items)
    if later is not None:
        # a child that died (killed, out of memory) leaves the clustering to this process
        result.clustering = later.result(died=lambda _code, texts=items: _common_clustering(texts, settings))
    else:
        if early is not None and not small_run(len(rows)):
            early.settle()
        _release_freed_memory()  # the figures' working lists: their pages go back before the clustering
        with paused_gc():
            result.clustering = _common_clustering(items, settings)
    del items
    add_common_issues(result.figures, result.clustering, forms)
    for row in rows:
        row.cluster = result.clustering.common_id(_uid(row))
    _keep()
    _release_freed_memory()  # the clustering's matrices and the figures' working lists are gone too
    if options.out is not None:
        from .audit.history import history_save
        from .outputs import write_outputs

        report("写出", 0, 1)
        # the history keeps the run's tickets and problem texts only once its outputs exist: inserted while the
        # outputs are written (``beside``: once no process is forked any more), committed after them
        saving = history_save(result, _window_texts(accepted, forms, window_items))
        if saving is not None:
            cleanup.callback(saving.abort)  # (the outputs failed)
        write_outputs(result, forms, options.out, early, beside=saving.start if saving is not None else None)
        if saving is not None:
            saving.commit(result.manifest, options.out)
        _release_freed_memory()  # the writers' buffers and the history's
        report("写出", 1, 1)

    # 8. with a store: archive the originals and record the run in the ledger
    if options.store is not None and options.out is not None:
        from .audit.auditor import record_run_in_store

        record_run_in_store(result, options.store)
    return result


def _names_of(fr: FileResult, forms: dict[str, FormSpec]) -> Iterable[str]:
    """Every person and staff name typed in the file's rows (as its worker sent them, when it did)."""
    if fr.deid is not None:
        return fr.deid.name_set()
    return (n for row in fr.rows for n in person_names(row, forms[row.form]))


def _deidentify(
    fr: FileResult,
    forms: dict[str, FormSpec],
    deid: Deidentifier,
    names: NameIndex,
    policy: Policy,
    as_of: datetime,
) -> None:
    """Steps 4-5 for one file with the run's names. A worker did them with the file's names alone: they stand
    when no other file's name occurs in a text the names were looked for in (the masks are then the same),
    but for the rows the run has given findings since (duplicates across files), done again here from their
    findings as the worker had them. Otherwise the whole file is done here, from its values and findings as read."""
    done, fr.deid = fr.deid, None
    named = _rows_naming_others(done, names) if done is not None and names.joinable(InWorker.SEP) else None
    if named is not None:
        counts = list(done.count_pairs())
        redo = [
            i
            for i, (row, (_before, after)) in enumerate(zip(fr.rows, counts, strict=True))
            if len(row.findings) != after or i in named
        ]
        raw = done.raw_values() if redo else []
        for i in redo:
            row, (before, after), form = fr.rows[i], counts[i], forms[fr.rows[i].form]
            row.findings, row.values = row.findings[:before] + row.findings[after:], raw[i]
            redact_row(row, form, deid, names)
            _row_findings(row, form, deid, names, policy, as_of)
            _slim(row, _later_keys(form))
        return
    if done is not None:
        fr.sheets = done.sheets
        for row, (before, after), values in zip(fr.rows, done.count_pairs(), done.raw_values(), strict=True):
            row.findings, row.values = row.findings[:before] + row.findings[after:], values
    _deidentify_file(fr, forms, deid, names, policy, as_of)
    for row in fr.rows:
        _slim(row, _later_keys(forms[row.form]))


def _rows_naming_others(done: InWorker, names: NameIndex) -> set[int] | None:
    """The rows a worker de-identified that another file's name occurs in (a customer who shares a name with a
    word: a month names tens of thousands), to be done again with the run's names; None when the file's own
    names (its file and sheet names) hold one, or a text holds the separator: the whole file is done again.
    Every other text was searched by the worker's names with the same result as by the run's (``NameIndex.found``)."""
    others = names.found(done.texts) - NameIndex.terms(done.name_set())
    if not others:
        return set()
    texts = done.texts.split(InWorker.SEP)
    uses = done.searched()
    if len(texts) != 1 + max((max(used) for used in uses if used), default=-1):
        # a text holds SEP itself (an .xls cell can hold NULs): the pieces no longer match ``uses``
        return None
    bad = {i for i, text in enumerate(texts) if any(n in text for n in others)}
    *rows, own = uses
    if not bad.isdisjoint(own):
        return None
    return {i for i, used in enumerate(rows) if not bad.isdisjoint(used)}


def _deidentify_file(
    fr: FileResult,
    forms: dict[str, FormSpec],
    deid: Deidentifier,
    names: NameIndex,
    policy: Policy,
    as_of: datetime,
    owns: list[list[str]] | None = None,
    searched: list[set[str]] | None = None,
) -> None:
    """Every row's customer key and de-identified values, the file's names, then each row's SLA and
    de-identified findings. ``owns``: each row's names, when known already; ``searched``: one set per row, then
    one for the file's names, to collect the texts each looked names up in."""
    owns = owns or [person_names(row, forms[row.form]) for row in fr.rows]
    for i, (row, own) in enumerate(zip(fr.rows, owns, strict=True)):
        if searched is not None:
            names.searched = searched[i]
        redact_row(row, forms[row.form], deid, names, own)
    if searched is not None:
        names.searched = searched[-1]
    _redact_provenance([fr], deid, names)
    for i, (row, own) in enumerate(zip(fr.rows, owns, strict=True)):
        if searched is not None:
            names.searched = searched[i]
        _row_findings(row, forms[row.form], deid, names, policy, as_of, own)


def _row_findings(
    row: Row,
    form: FormSpec,
    deid: Deidentifier,
    names: NameIndex,
    policy: Policy,
    as_of: datetime,
    own: list[str] | None = None,
) -> None:
    """The SLA findings of an accepted row (a rejected one drops its verdicts), then its de-identified findings."""
    if not row.rejected:
        if not isinstance(row.sla, FieldMap):  # not computed with its file (a row made elsewhere)
            row.sla = evaluate_row(form, row.values, policy, calendar_of(policy), as_of)
        _sla_findings(row, form)
    elif row.sla:
        row.sla = {}
    redact_findings(row, form, deid, names, own)


_WORKER_DEIDS: dict[tuple[str, bytes], Deidentifier] = {}


def _deidentify_in_worker(
    result: FileResult, forms: dict[str, FormSpec], policy: Policy, as_of: datetime, pack: bool
) -> None:
    """Steps 4-5 for this file alone, with its own names (``_deidentify`` checks the result with the run's),
    then the rows slimmed; ``pack``: their values as read pickled in one piece (the result goes to another process)."""
    key = (policy.sha256, resolve_key(policy))
    deid = _WORKER_DEIDS.get(key)
    if deid is None:  # one a process: its memos serve every file the worker reads
        _WORKER_DEIDS.clear()
        deid = _WORKER_DEIDS[key] = Deidentifier(key[1], policy.raw["deid"])
    owns = [person_names(row, forms[row.form]) for row in result.rows]
    own = frozenset(n for names in owns for n in names)
    names = NameIndex(own)
    searched: list[set[str]] = [set() for _ in range(len(result.rows) + 1)]
    before = [len(row.findings) for row in result.rows]
    sheets = result.sheets
    _deidentify_file(result, forms, deid, names, policy, as_of, owns, searched)
    after = [len(row.findings) for row in result.rows]
    values: Any = [row.values for row in result.rows]
    for row in result.rows:
        _slim(row, _later_keys(forms[row.form]))
    number: dict[str, int] = {}
    uses: Any = tuple(tuple(number.setdefault(t, len(number)) for t in texts) for texts in searched)
    names: Any = own
    if pack:  # in one piece each, deflated, as the run keeps them until it checks the file (values: 14 MB ->
        # 1.5 MB at 100,000 rows, for ~0.05 s)
        values, uses, names = _packed(values), _packed(uses), _packed(own)
    counts = array("I", [n for pair in zip(before, after, strict=True) for n in pair])
    result.deid = InWorker(names, InWorker.SEP.join(number), uses, counts, sheets, values)


def _slim(row: Row, keys: tuple[str, ...]) -> None:
    """Once a row is de-identified and its findings are complete, what only its raw values served goes:
    every output reads the de-identified view (``row.safe``, ``row.safe_findings``), and the parsed values
    still read later are the opening and due-from times (the period, the figures, the history), kept as
    their de-identified value when they are not a date. At 100,000 rows the raw values were ~45 MB of the
    run's peak. (The raw findings go once returns/ is written: see the de-identification step.)"""
    values = row.values
    kept = []
    for key in keys:
        parsed = values.get(key)
        if parsed is not None and parsed.value is not None and not isinstance(parsed.value, date):
            parsed = Parsed(value=row.safe.get(key), precision=parsed.precision)
        kept.append(parsed)
    row.values = FieldMap(keys, kept)


def _later_keys(form: FormSpec) -> tuple[str, ...]:
    """The fields whose parsed value a stage after the de-identification reads (``_opened``, the figures'
    ``due_from``, ``history.to_record``); one tuple per form (rows share it)."""
    hit = _LATER_KEYS.get(id(form))
    if hit is None or hit[0] is not form:
        keys = tuple(dict.fromkeys(k for k in (form.opened_field, form.report.due_from) if k))
        hit = _LATER_KEYS[id(form)] = (form, keys)
    return hit[1]


_LATER_KEYS: dict[int, tuple[FormSpec, tuple[str, ...]]] = {}


class _Ahead:
    """What the run's later stages load, loaded while its workers read (``now_read`` is called once a file's result
    has come: the pool has forked its workers by then). What fails here is left to the stage itself, which
    raises it where the run reports it.

    - the figures' and the writers' modules (~0.15 s): in a thread, from the first file on;
    - in a small run, the clustering's lexicon, matcher, segmenter, guard and scipy modules (~0.45 s), in a child
      forked at the first file (``ForkedAhead``): it loads them then and waits for the problem texts, so that it
      starts at once when the reading is done (at 20,000 rows the run waited 0.3 s for a child forked after it).
      Loaded in a thread of this process instead, they cost it +0.65 s of CPU, contending with the workers and
      for its interpreter lock, to spare the child 0.4 s.
    - A large run clusters in this process, after its workers have stopped: a child forked for a run that turns
      out large is stopped (its ~0.45 s of loading, done while the workers read, is lost: a run's size cannot be
      told from its first files, whose layouts differ; guessed from their share of the input's bytes, a
      100,000-row folder whose card workbooks come first still looked small). Nothing is loaded ahead for it:
      loaded here while the workers read, the ~45 MB it takes raised the tree's peak at 100,000 rows of distinct
      customers (in the figures, beside the workers finishing returns/) from 495 to 539 MB, for no time gained
      at 50,000 rows.
    """

    def __init__(self, early: ForkedAhead | None = None) -> None:
        self._writers: threading.Thread | None = None
        self.child: ForkedAhead | None = None
        # the child forked before this process imported the run's modules (common_issues.early), if any: taken
        # by a small run instead of forking one at its first file
        self._early = early

    def now_read(self, rows: int, settings: dict, options: RunOptions) -> None:
        small = forks_for(rows, options.jobs)
        if self._writers is None:
            if small:  # forked first: no thread of this run's is running yet
                self.child = self._early or ForkedAhead(_common_clustering, prepare_clustering, settings)
                self._early = None
            self._writers = threading.Thread(target=_load_writers, args=(options.out is not None,), daemon=True)
            self._writers.start()
        if not small:
            self.stop()

    def join(self) -> None:
        if self._writers is not None:
            self._writers.join()

    def stop(self) -> None:
        """Stop the clustering's child (not wanted, or the run failed)."""
        for child in (self.child, self._early):
            if child is not None:
                child.stop()
        self.child = self._early = None


def _load_writers(writes: bool) -> None:
    with suppress(Exception):
        from .outputs import figures  # noqa: F401

        if writes:
            from .outputs import output_folder  # noqa: F401


def _common_clustering(items: list[ProblemText], settings: dict) -> Clustering:
    """The clustering of the problem texts, as the outputs read it (``cluster.common_clustering``)."""
    return common_clustering(items, settings)


def _release_freed_memory() -> None:
    """Hand the heap pages freed by a stage back to the system (glibc keeps them otherwise, so the resident
    size only grows from stage to stage); a no-op where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _share_findings(
    findings: list[Finding], safe: list[Finding], texts: dict[str, str]
) -> tuple[list[Finding], list[Finding]]:
    """A row's findings and de-identified findings with their texts shared through ``texts``; a de-identified
    finding that was the finding itself (nothing in it masked) stays the same object as it."""
    shared = _share_texts(findings, texts)
    if not safe:
        return shared, safe
    swap = {id(a): b for a, b in zip(findings, shared, strict=True) if a is not b}
    return shared, _share_texts([swap.get(id(f), f) for f in safe], texts)


def _share_texts(findings: list[Finding], texts: dict[str, str]) -> list[Finding]:
    """The findings with their message and value texts shared through ``texts``."""
    out = []
    for f in findings:
        message = texts.setdefault(f.message, f.message)
        value = f.value if f.value is None else texts.setdefault(f.value, f.value)
        if message is f.message and value is f.value:
            out.append(f)
        else:  # what ``replace(f, message=..., value=...)`` makes, without its per-call field walk
            parts = list(_FINDING_FIELDS(f))
            parts[_MESSAGE], parts[_VALUE] = message, value
            out.append(Finding(*parts))
    return out


_FINDING_NAMES = [f.name for f in fields(Finding)]
_FINDING_FIELDS = attrgetter(*_FINDING_NAMES)
_MESSAGE, _VALUE = _FINDING_NAMES.index("message"), _FINDING_NAMES.index("value")


def lost_file(item: InputFile, reason: str) -> FileResult:
    """A file whose work killed its worker process: reported like any unreadable file."""
    return FileResult(
        input=item, sha256=sha256_file(item.path), error=f"无法读取文件「{item.path.name}」：{reason}"
    )


def read_file(item: InputFile, shared: tuple) -> FileResult:
    """The per-file work, a pure function of (input file, policy, as_of): read, parse, validate, and the SLA
    verdicts of the rows validation accepts. ``shared``: (policy, as_of) or (policy, as_of, how), ``how``
    KEEP or PACK to de-identify the file with its own names too (``_deidentify_in_worker``)."""
    policy, as_of = shared[:2]
    forms = load_forms()
    result = _read_file(item, forms, policy, as_of)
    how = shared[2] if len(shared) > 2 else None
    if how in (KEEP, PACK) and not result.error:
        _deidentify_in_worker(result, forms, policy, as_of, pack=how == PACK)
    return result


KEEP, PACK = "keep", "pack"  # read_file de-identifies too, keeping the values as read as they are / pickled


_CALENDARS: dict[str, BusinessCalendar] = {}


def calendar_of(policy: Policy) -> BusinessCalendar:
    """One business calendar per policy in this process (a worker gets the policy anew with every file; the
    calendar's memo of days and years then serves all the files it reads)."""
    cal = _CALENDARS.get(policy.sha256)
    if cal is None:
        _CALENDARS.clear()  # one policy a run: keep the last one only
        cal = _CALENDARS[policy.sha256] = BusinessCalendar(policy)
    return cal


def _read_file(item: InputFile, forms: dict[str, FormSpec], policy: Policy, as_of: datetime) -> FileResult:
    """One file in isolation: whatever goes wrong in it makes it unreadable (a Chinese reason), never the run."""
    try:
        check_size(item.path, policy.raw["limits"])  # before hashing: a 20 GB file is refused at once
        sha = sha256_file(item.path)
    except (UnreadableWorkbook, OSError) as exc:
        reason = (
            str(exc)
            if isinstance(exc, UnreadableWorkbook)
            else f"无法读取文件「{item.path.name}」：没有读取权限"
        )
        return FileResult(input=item, sha256="", error=reason)
    result = FileResult(input=item, sha256=sha)
    try:
        book = read_workbook(item.path, display_name=item.name, limits=policy.raw["limits"])
        _parse_and_check(result, book, forms, as_of)
        _evaluate_sla(result, forms, policy, as_of)
    except UnreadableWorkbook as exc:
        result.error = str(exc)
    except Exception:  # a surprise in parsing or checking one file's rows: that file only
        result.error = f"无法读取文件「{item.path.name}」：{UNEXPECTED}"
    if result.error:
        result.sheets, result.rows, result.findings = [], [], []
    return result


def _parse_and_check(result: FileResult, book: Any, forms: dict[str, FormSpec], as_of: datetime) -> None:
    item = result.input
    result.sheets = book.sheets
    by_position: dict[tuple[str, int], Row] = {}
    for raw in book.rows:
        row = parse_row(raw, forms[raw.form])
        result.rows.append(row)
        by_position[(raw.prov.sheet, raw.prov.row)] = row
    for finding in book.findings:
        row = by_position.get((finding.sheet, finding.row)) if finding.row is not None else None
        if row is not None:
            row.findings.append(finding)
        else:
            result.findings.append(finding)
    for row in result.rows:
        check_row(row, forms[row.form], as_of)
        row.cells = compact_cells(row.cells, keep_raw=False)  # most of a row's memory was its cells as read
        row.values = FieldMap.of(row.values)  # nothing changes a row's values after validation
    if not result.rows:
        result.findings.append(make("workbook_empty", Provenance(item.name, "", 0)))


def _evaluate_sla(result: FileResult, forms: dict[str, FormSpec], policy: Policy, as_of: datetime) -> None:
    """The SLA verdicts of every row validation accepted (the run's 4 s at 100,000 rows, spread over the
    workers). Computed before the duplicates across files are known: a row rejected then drops them."""
    calendar = calendar_of(policy)
    for row in result.rows:
        if not row.rejected:
            row.sla = evaluate_row(forms[row.form], row.values, policy, calendar, as_of)


def _redact_provenance(files: list[FileResult], deid: Deidentifier, names: NameIndex) -> None:
    """File and sheet names can hold a customer's name or phone (a card sheet named after the customer):
    mask them for every output except returns/, which keeps the originals to point the agent at cells."""
    cache: dict[str, str] = {}

    def safe(text: str) -> str:
        if text not in cache:
            cache[text] = deid.free_text(text, names.present(text))[0] or text
        return cache[text]

    for fr in files:
        fr.safe_name = safe(fr.input.name)
        if fr.error:  # the reason can quote the file name
            fr.error = safe(fr.error)
        fr.sheets = [
            replace(s, file=fr.safe_name, sheet=safe(s.sheet), reason=safe(s.reason)) for s in fr.sheets
        ]
        for row in fr.rows:
            sheet = safe(row.prov.sheet)
            same = fr.safe_name == row.prov.file and sheet == row.prov.sheet
            row.safe_prov = row.prov if same else Provenance(fr.safe_name, sheet, row.prov.row)
        fr.safe_findings = [
            replace(f, file=fr.safe_name, sheet=safe(f.sheet), message=safe(f.message)) for f in fr.findings
        ]


def _sla_findings(row: Row, form: FormSpec) -> None:
    """A year the calendar does not cover, and a breached stage whose reason field (超时原因) is empty,
    are warnings on the row."""
    gaps = sorted({r.calendar_gap for r in row.sla.values() if r.calendar_gap})
    for year, key in gaps:
        row.findings.append(
            make("calendar_gap", row.prov, form=form.key, ticket_id=row.ticket_id, year=year, key=key)
        )
    for stage in form.stages:
        result = row.sla.get(stage.key)
        if not stage.reason_field or result is None or result.outcome not in ("超时", "逾期未完成"):
            continue
        if row.value(stage.reason_field) is None:
            row.findings.append(
                at_field(
                    "overdue_reason_missing", row, form, stage.reason_field, value=None, stage=stage.label
                )
            )


def _opened(row: Row, forms: dict[str, FormSpec]) -> Any:
    """The time that places a ticket in a period (受理/反馈/接收/需求提出时间)."""
    return _opened_in(row, forms[row.form])


def _opened_in(row: Row, form: FormSpec) -> Any:
    """``_opened`` of a row of ``form``."""
    key = form.opened_field
    return row.value(key) if key else None


def _window_history(
    options: RunOptions, policy: Policy, period: Any, rows: list[Row], forms: dict[str, FormSpec]
) -> list:
    """Earlier runs' problem texts of the window (window_days ending with the period), minus this run's tickets."""
    from .audit.history import history_path, load_problems

    path = history_path(SimpleNamespace(options=options, policy=policy))
    if path is None:
        return []
    start = period.end - timedelta(days=policy.common_issues.window_days)
    mine = {(r.form, r.ticket_id) for r in rows}  # as their TicketRecords key them
    return load_problems(path, start, period.end, skip=mine)


def _window_items(
    options: RunOptions, policy: Policy, rule: Any, ids: list[str | None], texts: list[ProblemText]
) -> PackedTuples | None:
    """What the history will keep of the clustered texts (``history.problem_items``), kept deflated until the
    outputs are written: None when the run has no history, or clustered the period's rows only (the history
    keeps every accepted row's text)."""
    from .audit.history import history_path, problem_items

    if rule.window == "period" or history_path(SimpleNamespace(options=options, policy=policy)) is None:
        return None
    return PackedTuples(problem_items(zip(ids, (p.opened for p in texts), texts, strict=True)))


def _window_texts(
    rows: list[Row], forms: dict[str, FormSpec], items: PackedTuples | None = None
) -> Iterable[tuple[Any, ...]]:
    """What the history keeps of this run's de-identified problem texts for later runs' windows
    (``history.problem_items``): ``items`` as ``_window_items`` kept them, else made again from the rows."""
    if items is not None:
        return items
    from .audit.history import problem_items

    # made again row by row and written as they come (the clustering's were dropped before the outputs):
    # a list or a dict of every row's text was the run's memory peak. (ticket id, opened) as its TicketRecord.
    texts = ((r.ticket_id, _problem_text(r, forms[r.form])) for r in rows)
    return problem_items((tid, p.opened, p) for tid, p in texts if p is not None)


def _uid(row: Row) -> str:
    return f"{row.prov.file}|{row.prov.sheet}|{row.prov.row}"


def _problem_texts(
    rows: list[Row],
    forms: dict[str, FormSpec],
    window: tuple[datetime, datetime] | None = None,
    ids: list[str | None] | None = None,
) -> list[ProblemText]:
    """The problem texts of the rows; ``window`` (start, end): a text opened outside it counts for nobody.
    ``ids``: each text's ticket id appended to it."""
    seen: dict[str, tuple[str, str | None]] = {}  # one string (and its batch) per distinct text
    out = []
    for row in rows:
        p = _problem_text(row, forms[row.form], window, seen)
        if p is not None:
            out.append(p)
            if ids is not None:
                ids.append(row.ticket_id)
    return out


def _problem_text(
    row: Row,
    form: FormSpec,
    window: tuple[datetime, datetime] | None = None,
    seen: dict[str, tuple[str, str | None]] | None = None,
) -> ProblemText | None:
    """The row's de-identified problem text for the clustering; None when its problem fields are empty.
    ``seen``: text -> (the text, the batch it names), shared by the rows of one text."""
    safe = row.safe
    problem_fields, model, batch, department = _problem_keys(form)
    text = "；".join([str(v) for k in problem_fields if (v := safe.get(k))])
    if not text:
        return None
    # what the outputs keep (a cell holds 32767 characters): a 1 MB cell would cost seconds per MB in
    # the concept matching, after the per-file time budget
    text = text[:EXCEL_CELL_LIMIT]
    hit = seen.get(text) if seen is not None else None
    if hit is None:
        hit = (text, batch_in_text(text))
        if seen is not None:
            seen[text] = hit
    text, named_batch = hit
    opened = as_datetime(_opened_in(row, form))
    return ProblemText(
        uid=_uid(row),
        text=text,
        customer=row.customer_key,
        form=row.form,
        model=_joined(safe, model),
        batch=_joined(safe, batch) or named_batch,
        department=_joined(safe, department),
        opened=opened,
        counts=window is None or opened is None or window[0] <= opened < window[1],
    )


_PROBLEM_KEYS: dict[int, tuple[FormSpec, tuple[tuple[str, ...], str | None, str | None, str | None]]] = {}


def _problem_keys(form: FormSpec) -> tuple[tuple[str, ...], str | None, str | None, str | None]:
    """The form's problem fields and its model, batch and department fields (looked up once per form, not three
    times per row: ~90,000 texts a month)."""
    hit = _PROBLEM_KEYS.get(id(form))
    if hit is None or hit[0] is not form:
        keys = (form.problem_fields, form.role_key("model"), form.role_key("batch"), form.role_key("department"))
        hit = _PROBLEM_KEYS[id(form)] = (form, keys)
    return hit[1]


def _joined(safe: Any, key: str | None) -> str | None:
    """The de-identified value of the field ``key`` as one text; None if empty or no such field."""
    value = safe.get(key) if key else None
    if value:
        return "、".join(value) if isinstance(value, tuple) else str(value)
    return None


__all__ = ["RunOptions", "RunResult", "FileResult", "run", "map_files", "default_jobs", "__version__"]
