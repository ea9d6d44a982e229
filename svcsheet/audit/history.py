"""The history store: de-identified ticket records across runs, for trends and the previous period.

An embedded SQLite file. Each ticket is kept once, keyed by (form, ticket id): re-running a week replaces
its tickets instead of doubling them. Only de-identified values are stored (pseudonyms, customer keys,
choices, scores, timestamps and SLA outcomes); never names, phones or free text.

``TicketRecord`` is also what the figures are computed from when there is no history, so a run with and
without a store gives the same figures for the same tickets.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import sqlite3
import threading
from collections.abc import Container, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, fields
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..forms import Condition, FormSpec, label_base, load_forms
from ..json_text import STRING, NotPlain, scalar
from ..records import FieldMap
from ..sla.period import as_datetime

SCHEMA_VERSION = 1

# What a field means for the reports comes from its ``role`` in the form YAML (``FormSpec.by_role``);
# which values mean resolved / closed loop comes from the form's ``report:`` section.
# The TicketRecord attributes filled from the field playing the role of the same name:
RECORD_ROLES = ("category", "channel", "priority", "department", "handler", "status", "result")
SATISFACTION_DIMENSION = "满意度"


def dimension(label: str) -> str:
    """The score dimension a field measures, from its label: 效率评分 -> 效率, 客户满意度 -> 满意度."""
    return label_base(label).removeprefix("客户").removesuffix("评分")


def satisfaction_field(form: FormSpec) -> str | None:
    """The form's overall satisfaction field (a 1-5 score or a 满意/不满意 choice): its ``satisfaction`` role."""
    return form.role_key("satisfaction")


@dataclass(slots=True)
class TicketRecord:
    """One accepted ticket, de-identified and reduced to what the figures need."""

    form: str
    ticket_id: str | None
    opened: dt.datetime | None
    customer_key: str | None = None
    category: str | None = None
    channel: str | None = None
    priority: str | None = None
    department: str | None = None  # as written by the agent; routing is applied by the figures
    handler: str | None = None  # pseudonym
    scores: dict[str, int] = field(default_factory=dict)  # dimension (效率/态度/满意度) -> 1..5
    satisfaction: int | str | None = None  # 1..5 or the chosen word (满意/一般/不满意...)
    status: str | None = None
    result: str | None = None
    resolved: bool = False
    closed: bool | None = None  # None: the form has no closed loop
    stages: dict[str, str] = field(default_factory=dict)  # stage key -> outcome

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.form, self.ticket_id)

    def to_json(self) -> str:
        """``json.dumps`` of the record's fields (sorted keys, compact separators, ``opened`` in ISO form)."""
        try:
            return _record_json(self)
        except NotPlain:
            return _RECORD_JSON(self._data())

    def _data(self) -> dict[str, Any]:
        # the fields by name, not dataclasses.asdict: its deep copy of every value was 4/5 of the history
        # write's CPU; the values are immutable but the two dicts, copied as JSON needs them
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["scores"] = dict(self.scores)
        data["stages"] = dict(self.stages)
        data["opened"] = self.opened.isoformat() if self.opened else None
        return data

    @classmethod
    def from_json(cls, text: str) -> TicketRecord:
        data = json.loads(text)
        data["opened"] = dt.datetime.fromisoformat(data["opened"]) if data.get("opened") else None
        return cls(**data)


_RECORD_FIELDS = tuple(f.name for f in fields(TicketRecord))
# json.dumps with options makes an encoder per call: one per record (~100,000 a month), 16% of to_json's time
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
# text -> its JSON, and (key, value) pairs of a dict -> its JSON: the categories, pseudonyms, scores and stage
# outcomes of a month's tickets repeat, each encoded once (bounded: emptied when full)
_SCALAR_JSON: dict[str, str] = {}
_MAPPING_JSON: dict[tuple[tuple[tuple[Any, Any], ...], tuple[type, ...]], str] = {}


def _scalar(value: Any) -> str:
    """``json_text.scalar``, each text encoded once."""
    if type(value) is not str:
        return scalar(value)
    hit = _SCALAR_JSON.get(value)
    if hit is None:
        if len(_SCALAR_JSON) >= 50_000:
            _SCALAR_JSON.clear()
        hit = _SCALAR_JSON[value] = STRING(value)
    return hit


def _mapping_json(pairs: Any) -> str:
    """A dict of text keys and scalar values (its items) as _RECORD_JSON writes it, keys sorted."""
    items = tuple(pairs)
    # the values' types in the key: equal values of other types (1, True, 1.0) are written differently
    key = (items, tuple(map(type, map(itemgetter(1), items))))
    try:
        hit = _MAPPING_JSON.get(key)
    except TypeError:  # a value that cannot be hashed is not a scalar
        raise NotPlain from None
    if hit is None:
        if any(type(k) is not str for k, _ in items):
            raise NotPlain
        body = ",".join(f"{STRING(k)}:{_scalar(v)}" for k, v in sorted(items, key=lambda kv: kv[0]))
        if len(_MAPPING_JSON) >= 10_000:
            _MAPPING_JSON.clear()
        hit = _MAPPING_JSON[key] = "{" + body + "}"
    return hit


def _record_json(r: TicketRecord) -> str:
    """_RECORD_JSON of a record's fields, written field by field in the sorted order of their names (a dict per
    record and the encoder's generic walk were most of to_json's time; 100,000 records a month). A field added
    to TicketRecord must be added here too: a test compares the two encodings. Ticket ids and customer keys
    seldom repeat: encoded without the memo (``scalar``)."""
    s = _scalar
    opened = STRING(r.opened.isoformat()) if r.opened else "null"
    return (
        f'{{"category":{s(r.category)},"channel":{s(r.channel)},"closed":{s(r.closed)},'
        f'"customer_key":{scalar(r.customer_key)},"department":{s(r.department)},"form":{s(r.form)},'
        f'"handler":{s(r.handler)},"opened":{opened},"priority":{s(r.priority)},"resolved":{s(r.resolved)},'
        f'"result":{s(r.result)},"satisfaction":{s(r.satisfaction)},"scores":{_mapping_json(r.scores.items())},'
        f'"stages":{_mapping_json(r.stages.items())},"status":{s(r.status)},"ticket_id":{scalar(r.ticket_id)}}}'
    )


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == ():
        return None
    if isinstance(value, (tuple, list)):
        return "、".join(str(v) for v in value)
    return str(value)


def _decide(conditions: tuple[Condition, ...], safe: dict[str, Any]) -> bool:
    """The first condition whose field is filled decides; nothing filled: False."""
    for c in conditions:
        v = safe.get(c.field)
        if v is None or v == "" or v == ():
            continue
        return True if c.values is None else _text(v) in c.values
    return False


def to_record(row: Any, form: FormSpec) -> TicketRecord:
    """The light record of an accepted Row, from its de-identified values and SLA outcomes."""
    safe = row.safe
    pick, scores, sat = _described(safe, form)
    opened = as_datetime(row.value(form.opened_field)) if form.opened_field else None
    return TicketRecord(
        form=form.key,
        ticket_id=row.ticket_id,
        opened=opened,
        customer_key=row.customer_key,
        scores=dict(scores),
        satisfaction=sat,
        resolved=_decide(form.report.resolved, safe),
        closed=_decide(form.report.closed, safe) if form.report.closed is not None else None,
        # one per accepted row, kept until the history is written: the stage keys shared, not a dict each
        stages=_outcomes(row.sla),
        **pick,
    )


def _described(safe: Any, form: FormSpec) -> tuple[dict[str, str | None], dict[str, int], int | str | None]:
    """The record's roles (those the form has: the others stay None), scores and satisfaction. Tickets repeat
    a few choices and scores: made once per form and combination of the values they are made from (fetched
    in one step from a FieldMap), not once per ticket. Read only: the record copies the scores."""
    roles, score_fields, sat_key, wanted = _record_plan(form)
    if not isinstance(safe, FieldMap):
        return _describe(safe.get, roles, score_fields, sat_key)
    keys = safe.key_tuple
    fetch = _FETCH.get((id(keys), wanted))
    if fetch is None:
        at = {k: i for i, k in enumerate(keys)}
        missing = len(keys)  # the None appended to the values below
        fetch = _FETCH[(id(keys), wanted)] = itemgetter(*(at.get(k, missing) for k in wanted), missing)
    values = fetch((*safe.value_tuple, None))
    if not _PLAIN.issuperset(map(type, values)):  # equal values of two types (1, True, 1.0) read differently
        return _describe(safe.get, roles, score_fields, sat_key)
    memo_key = (wanted, values)
    hit = _DESCRIBED.get(memo_key)
    if hit is None:
        if len(_DESCRIBED) >= 20_000:
            _DESCRIBED.clear()
        hit = _DESCRIBED[memo_key] = _describe(safe.get, roles, score_fields, sat_key)
    return hit


def _describe(
    get: Any,
    roles: tuple[tuple[str, str], ...],
    score_fields: tuple[tuple[str, str], ...],
    sat_key: str | None,
) -> tuple[dict[str, str | None], dict[str, int], int | str | None]:
    pick = {role: _text(get(key)) for role, key in roles}
    scores: dict[str, int] = {}
    for key, dim in score_fields:
        v = get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            scores[dim] = v
    sat = get(sat_key) if sat_key else None
    sat = sat if isinstance(sat, int) and not isinstance(sat, bool) else _text(sat)
    return pick, scores, sat


# (id of a FieldMap's keys, a form's wanted keys) -> the getter of those values (a FieldMap's keys tuple
# lives as long as the process: see records._KEYS)
_FETCH: dict[tuple[int, tuple[str, ...]], Any] = {}
# (wanted keys, their values) -> _describe's
_DESCRIBED: dict[tuple[tuple[str, ...], tuple[Any, ...]], Any] = {}
_PLAIN = frozenset({str, int, type(None)})  # types whose equal values are of one type and read the same


def _outcomes(sla: Any) -> FieldMap:
    """Stage key -> outcome, in key order. A row's verdicts are a FieldMap whose keys its form's rows share:
    their order is sorted once per set of keys, not once per row."""
    if not isinstance(sla, FieldMap):
        stages = sorted(sla.items())
        return FieldMap([k for k, _ in stages], [r.outcome for _, r in stages])
    keys = sla.key_tuple
    hit = _SORTED_STAGES.get(keys)
    if hit is None:
        order = sorted(range(len(keys)), key=keys.__getitem__)
        hit = _SORTED_STAGES[keys] = (tuple(keys[i] for i in order), tuple(order))
    values = sla.value_tuple
    return FieldMap(hit[0], [values[i].outcome for i in hit[1]])


_SORTED_STAGES: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[int, ...]]] = {}
_PLANS: dict[int, tuple[FormSpec, Any]] = {}


def _record_plan(
    form: FormSpec,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str | None, tuple[str, ...]]:
    """Per form, once: (role, field key) of the record's roles the form has, (field key, dimension) of its
    scores, the satisfaction field, and every field key these read."""
    hit = _PLANS.get(id(form))
    if hit is None or hit[0] is not form:
        roles = tuple((role, key) for role in RECORD_ROLES if (key := form.role_key(role)))
        scores = tuple((f.key, dimension(f.label)) for f in form.fields if f.type == "score")
        sat = satisfaction_field(form)
        wanted = tuple(
            dict.fromkeys([k for _r, k in roles] + [k for k, _d in scores] + ([sat] if sat else []))
        )
        hit = _PLANS[id(form)] = (form, (roles, scores, sat, wanted))
    return hit[1]


def run_records(rows: Iterable[Any], forms: dict[str, FormSpec] | None = None) -> list[TicketRecord]:
    """Light records of the accepted rows, in input order."""
    forms = forms or load_forms()
    return [to_record(r, forms[r.form]) for r in rows if not r.rejected]


def ticket_items(records: Iterable[TicketRecord]) -> Iterator[tuple[str, str, str | None, str]]:
    """(form, ticket id, opened, record JSON) of each record that has a ticket id: what the history stores of
    it. A ticket without an id cannot be keyed and is not stored."""
    for r in records:
        if r.ticket_id:
            yield (r.form, r.ticket_id, _iso(r.opened) if r.opened else None, r.to_json())


def _iso(when: dt.datetime) -> str:
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


_UPSERT_TICKET = "INSERT OR REPLACE INTO tickets VALUES (?, ?, ?, ?, ?)"
_UPSERT_PROBLEM = "INSERT OR REPLACE INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _with_run(items: Iterable[tuple[str, str, str | None, str]], run_id: str) -> Iterator[tuple[Any, ...]]:
    """A ticket's row of the tickets table."""
    for form, ticket_id, opened, text in items:
        yield (form, ticket_id, opened, run_id, text)


class _Counted:
    """The items, counted as they are taken."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.n += 1
            yield item


def _record_run(conn: sqlite3.Connection, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True)
    conn.execute(
        "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)",
        (manifest["run_id"], manifest.get("as_of"), manifest.get("period"), text),
    )


def _record_output(conn: sqlite3.Connection, out: Path, run_id: str) -> None:
    conn.execute("INSERT OR REPLACE INTO outputs VALUES (?, ?)", (str(Path(out).resolve()), run_id))


class HistoryStore:
    """The SQLite history file. Every SQL statement of the history lives here."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _connect(self) -> closing[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS tickets (
                    form TEXT NOT NULL, ticket_id TEXT NOT NULL, opened TEXT, run_id TEXT NOT NULL,
                    record TEXT NOT NULL, PRIMARY KEY (form, ticket_id));
                CREATE INDEX IF NOT EXISTS tickets_opened ON tickets (opened);
                CREATE TABLE IF NOT EXISTS runs (
                    run_id TEXT PRIMARY KEY, as_of TEXT, period TEXT, manifest TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS outputs (out TEXT PRIMARY KEY, run_id TEXT NOT NULL);
                """
            )
            # written only when missing: a write waits while a run holds the history's write lock (HistorySave,
            # while it writes its outputs); reading does not
            known = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if known is None:
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                conn.commit()
                known = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            version = known[0]
        except sqlite3.DatabaseError as exc:
            busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
            why = "正被另一次运行写入，等待 30 秒后仍未释放，请稍后重试" if busy else "无法打开（不是 svcsheet 的历史库或已损坏）"
            raise UsageError(f"历史记录库 {self.path} {why}：{exc}") from exc
        if version != str(SCHEMA_VERSION):
            conn.close()
            raise UsageError(f"历史记录库 {self.path} 的版本为 {version}，本程序只支持版本 {SCHEMA_VERSION}")
        return closing(conn)

    def upsert_rows(self, run_id: str, rows: Iterable[Any]) -> int:
        """Store the tickets (TicketRecords, or accepted Rows), replacing earlier versions; returns how many.

        A ticket without an id cannot be keyed and is not stored.
        """
        forms = load_forms()
        # one record and its JSON at a time: a list of every ticket's text was the run's memory peak
        records = (row if isinstance(row, TicketRecord) else to_record(row, forms[row.form]) for row in rows)
        return self.upsert_items(run_id, ticket_items(records))

    def upsert_items(self, run_id: str, items: Iterable[tuple[str, str, str | None, str]]) -> int:
        """Store tickets given as ``ticket_items`` made them; returns how many."""
        counted = _Counted(items)
        with self._connect() as conn, conn:
            conn.executemany(_UPSERT_TICKET, _with_run(counted, run_id))
        return counted.n

    def rows_between(
        self, start: dt.datetime, end: dt.datetime, skip: Container[tuple[str, str]] = ()
    ) -> list[TicketRecord]:
        """Tickets opened in [start, end), ordered by opening time, form and ticket id; none whose
        (form, ticket id) is in ``skip`` (this run's own: not parsed, a re-run would hold them all twice)."""
        with self._connect() as conn:
            cur = conn.execute(
                "SELECT form, ticket_id, record FROM tickets WHERE opened >= ? AND opened < ? "
                "ORDER BY opened, form, ticket_id",
                (_iso(start), _iso(end)),
            )
            return [TicketRecord.from_json(text) for f, tid, text in cur if (f, tid) not in skip]

    def count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]

    def record_run(self, manifest: dict[str, Any]) -> None:
        """Keep the run's manifest (run_id, as_of, period, inputs, totals); a re-run replaces it."""
        with self._connect() as conn, conn:
            _record_run(conn, manifest)

    def runs(self) -> list[dict[str, Any]]:
        with self._connect() as conn:
            cur = conn.execute("SELECT manifest FROM runs ORDER BY as_of, run_id")
            return [json.loads(text) for (text,) in cur.fetchall()]

    def record_output(self, out: Path, run_id: str) -> None:
        """Remember the output folder a run wrote: later runs into it update this history by default."""
        with self._connect() as conn, conn:
            _record_output(conn, out, run_id)

    def known_output(self, out: Path) -> bool | None:
        """Whether a run into ``out`` was recorded; None when no output folder was ever recorded (older file)."""
        with self._connect() as conn:
            if conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0] == 0:
                return None
            row = conn.execute("SELECT 1 FROM outputs WHERE out = ?", (str(Path(out).resolve()),)).fetchone()
            return row is not None

    def has_period(self, period: str) -> bool:
        """Whether a run already reported ``period`` (2026-W47) into this history."""
        with self._connect() as conn:
            return (
                conn.execute("SELECT 1 FROM runs WHERE period = ? LIMIT 1", (period,)).fetchone() is not None
            )

    def list_runs(self) -> list[RunEntry]:
        """Every run kept, oldest first, with the tickets it still holds and the folder it wrote."""
        with self._connect() as conn:
            counts = dict(conn.execute("SELECT run_id, COUNT(*) FROM tickets GROUP BY run_id").fetchall())
            outs: dict[str, list[str]] = {}
            for out, rid in conn.execute("SELECT out, run_id FROM outputs ORDER BY out"):
                outs.setdefault(rid, []).append(out)
            rows = conn.execute("SELECT run_id, as_of, period FROM runs ORDER BY as_of, run_id").fetchall()
        known = {r[0] for r in rows}
        entries = [
            RunEntry(rid, as_of, period, counts.get(rid, 0), outs.get(rid, [])) for rid, as_of, period in rows
        ]
        # tickets whose run left no manifest (an interrupted run) are listed too, so they can be forgotten
        entries += [
            RunEntry(rid, None, None, n, outs.get(rid, []))
            for rid, n in sorted(counts.items())
            if rid not in known
        ]
        return entries

    def forget(self, run_id: str) -> int:
        """Remove a run: its manifest and the tickets it last wrote; returns how many tickets were removed."""
        with self._connect() as conn, conn:
            n = conn.execute("DELETE FROM tickets WHERE run_id = ?", (run_id,)).rowcount
            found = conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,)).rowcount
            conn.execute("DELETE FROM outputs WHERE run_id = ?", (run_id,))
        if not n and not found:
            raise UsageError(f"历史记录库 {self.path} 中没有运行 {run_id}（用 svcsheet history list 查看）")
        return n


@dataclass(frozen=True)
class RunEntry:
    """One run kept in the history (for ``svcsheet history list``)."""

    run_id: str
    as_of: str | None
    period: str | None
    tickets: int  # tickets this run still holds (a later run of the same ticket takes it over)
    outputs: list[str]


DEFAULT_NAME = "svcsheet-history.sqlite"


def history_path(result: Any) -> Path | None:
    """``--history``, else the policy's ``history.path`` (``off`` disables either), else the default:
    ``svcsheet-history.sqlite`` beside the output folder, so weekly runs into sibling folders share one history.
    A validate-only run (no output folder) uses no history unless one is named."""
    options = result.options
    if getattr(options, "history", None) is not None:
        # ``--history off`` disables it like the policy's ``off`` (it must not create a file named off)
        return None if str(options.history).lower() == "off" else Path(options.history)
    configured = result.policy.history.path
    if configured:
        return None if str(configured).lower() == "off" else Path(configured)
    if getattr(options, "out", None) is not None:
        return Path(options.out).resolve().parent / DEFAULT_NAME
    return None


def history_use(result: Any, path: Path | None, period: str | None = None) -> tuple[bool, str]:
    """Whether this run may add its tickets to the history at ``path``, and why (Chinese, for the terminal).

    A history named by ``--history`` or the policy is always updated. The default one beside the output folder
    is updated when it is new, when it already holds a run into the same folder, or when nobody reported this
    ``period`` yet (next week's folder beside last week's). A run into another folder for a period already
    reported elsewhere is a trial or a copy: it reads the history for trends but leaves it unchanged, so the
    team's figures stay theirs.
    """
    if path is None:
        return False, "未使用（--history off 或策略 history.path: off）"
    out = getattr(result.options, "out", None)
    named = getattr(result.options, "history", None) is not None or bool(result.policy.history.path)
    if named or (out is not None and not Path(path).exists()):
        return True, f"已更新：{path}"
    if out is None:
        return False, f"只读：{path}"
    store = HistoryStore(path)
    if store.known_output(Path(out)) is False and period and store.has_period(period):
        return False, (
            f"未更新：{path}（{period} 已由另一个输出目录写入历史，本次输出到 {out} 只读取历史、不写入；"
            f"要计入团队历史，请加 --history {path}）"
        )
    return True, f"已更新：{path}"


def save_run(result: Any) -> None:
    """After the outputs are written: store this run's tickets and manifest in the history, if one is used."""
    saving = history_save(result)
    if saving is not None:
        saving.commit(result.manifest, getattr(result.options, "out", None))


def history_save(result: Any, problems: Iterable[tuple[Any, ...]] | None = None) -> HistorySave | None:
    """What the run keeps in its history, if it uses one: its tickets (when it may add them: ``history_use``)
    and ``problems`` (``problem_items``), to be started while its outputs are written and committed once they
    exist. None when there is nothing to keep."""
    fig = result.figures
    path = getattr(fig, "history_path", None)
    if not path:
        return None
    tickets = None
    if getattr(fig, "history_write", True):
        tickets = getattr(fig, "history_items", None)  # made with the figures' records, kept deflated
        if tickets is None:  # the records made again one at a time as they are written
            forms = load_forms()
            rows = (r for f in result.files for r in f.rows if not r.rejected)
            tickets = ticket_items(to_record(row, forms[row.form]) for row in rows)
    if tickets is None and problems is None:
        return None
    return HistorySave(path, result.manifest.get("run_id") or fig.run_id, tickets, problems)


class HistorySave:
    """A run's tickets and problem texts written into the history in a thread (``start``) while its outputs are
    written, in one transaction: committed with the run's manifest once the outputs exist (``commit``), rolled
    back if they do not (``abort``). The inserts were the run's last serial step, on one core (0.17 s at
    20,000 rows, 0.66 s at 100,000); SQLite does them without the interpreter lock.

    ``tickets``: (form, ticket id, opened, record JSON) as ``ticket_items`` makes them, or None (the run may
    not add its tickets: then its manifest and output folder are not recorded either). ``problems``: rows as
    ``problem_items`` makes them, or None."""

    def __init__(
        self,
        path: Path | str,
        run_id: str,
        tickets: Iterable[tuple[str, str, str | None, str]] | None,
        problems: Iterable[tuple[Any, ...]] | None,
    ) -> None:
        self.path, self.run_id = Path(path), run_id
        self._tickets, self._problems = tickets, problems
        self._outcome: queue.SimpleQueue[tuple[dict[str, Any], Path | None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Begin the inserts in a thread; ``commit`` or ``abort`` end it. Until then the history's write lock is
        held: another run writing the same file waits (reading it does not, until the run's inserts outgrow
        SQLite's page cache). A process forked meanwhile must not use the history: it would hold a copy of the
        thread's connection (returns/ forks only to write a copy again whose worker died)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._write, name="svcsheet-history", daemon=True)
            self._thread.start()

    def commit(self, manifest: dict[str, Any], out: Path | None) -> None:
        """The outputs exist: record the run's manifest and output folder with its tickets, and commit. Raises
        what writing the history raised (the outputs stay)."""
        self.start()
        self._outcome.put((manifest, out))
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """The outputs were not written: nothing of the run is kept. (Nothing happens after ``commit``.)"""
        if self._thread is not None:
            self._outcome.put(None)
            self._thread.join()

    def _write(self) -> None:
        try:
            with HistoryStore(self.path)._connect() as conn:
                if self._problems is not None:
                    conn.executescript(_PROBLEMS_DDL)  # (commits first: before the run's inserts)
                if self._tickets is not None:
                    conn.executemany(_UPSERT_TICKET, _with_run(self._tickets, self.run_id))
                if self._problems is not None:
                    # executemany consumes the generator a row at a time: no list of every text
                    conn.executemany(_UPSERT_PROBLEM, self._problems)
                outcome = self._outcome.get()
                if outcome is None:
                    conn.rollback()
                    return
                manifest, out = outcome
                if self._tickets is not None:
                    if manifest:
                        _record_run(conn, manifest)
                    if out is not None:
                        _record_output(conn, out, manifest.get("run_id") or self.run_id)
                conn.commit()
        except BaseException as exc:  # noqa: BLE001 - raised by commit, in the caller's thread
            self._error = exc


# Common issues over a window of weeks: the clustering needs each earlier ticket's de-identified problem text,
# customer key (a keyed hash), opening date, form, model, batch and department. Nothing else is kept.
_PROBLEMS_DDL = """
CREATE TABLE IF NOT EXISTS problems (
    form TEXT NOT NULL, ticket_id TEXT NOT NULL, opened TEXT, customer TEXT, text TEXT NOT NULL,
    model TEXT, batch TEXT, department TEXT, PRIMARY KEY (form, ticket_id));
CREATE INDEX IF NOT EXISTS problems_opened ON problems (opened);
"""


def save_problems(path: Path | str, entries: Iterable[tuple[str, dt.datetime | None, Any]]) -> None:
    """Keep (ticket_id, opened, ProblemText) of a run's accepted rows; a ticket seen again is replaced."""
    save_problem_items(path, problem_items(entries))


def problem_items(entries: Iterable[tuple[str, dt.datetime | None, Any]]) -> Iterator[tuple[Any, ...]]:
    """What the history stores of each (ticket_id, opened, ProblemText) that has a ticket id."""
    for tid, opened, p in entries:
        if tid:
            when = _iso(opened) if opened else None
            yield (p.form, tid, when, p.customer, p.text, p.model, p.batch, p.department)


def save_problem_items(path: Path | str, items: Iterable[tuple[Any, ...]]) -> None:
    """Keep the problem texts ``problem_items`` made; a ticket seen again is replaced."""
    HistorySave(path, "", None, items).commit({}, None)


def load_problems(
    path: Path | str, start: dt.datetime, end: dt.datetime, skip: Container[tuple[str, str]] = ()
) -> list[tuple[str, str, dt.datetime, Any]]:
    """Earlier runs' problem texts opened in [start, end): (form, ticket_id, opened, ProblemText); none whose
    (form, ticket id) is in ``skip``."""
    from ..common_issues.cluster import ProblemText

    if not Path(path).exists():
        return []
    store = HistoryStore(path)
    with store._connect() as conn:
        conn.executescript(_PROBLEMS_DDL)
        cur = conn.execute(
            "SELECT form, ticket_id, opened, customer, text, model, batch, department FROM problems "
            "WHERE opened >= ? AND opened < ? ORDER BY opened, form, ticket_id",
            (_iso(start), _iso(end)),
        )
        return [
            (f, tid, opened, ProblemText(f"history|{f}|{tid}", t, c, f, m, b, d, opened))
            for f, tid, o, c, t, m, b, d in cur
            if (f, tid) not in skip
            for opened in [dt.datetime.fromisoformat(o)]
        ]
