"""What keeps a month of distinct customers under the memory target (issue 12), checked without timing anything:
equal de-identified texts from the workers become one object, and the run's process does not load scipy before
its clustering needs it."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from svcsheet.records import FieldMap

_values = st.one_of(
    st.text(max_size=12),
    st.none(),
    st.integers(-3, 3),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.tuples(st.text(max_size=3)),
)


def _copy(value):
    # an equal object that is not the same one (as a worker's unpickled result brings)
    return "".join(list(value)) if type(value) is str and value else value


@given(st.lists(st.lists(_values, min_size=3, max_size=3), min_size=1, max_size=20))
def test_shared_texts_keep_every_value_and_make_equal_texts_one_object(rows):
    texts: dict[str, str] = {}
    maps = [FieldMap(("a", "b", "c"), [_copy(v) for v in row]) for row in rows]
    for fm in maps:
        fm.share_texts(texts)
    for fm, row in zip(maps, rows, strict=True):
        assert list(fm.values()) == row
        for got, want in zip(fm.values(), row, strict=True):
            assert type(got) is type(want)  # 1, True and 1.0 are never swapped
    seen: dict[str, object] = {}
    for fm in maps:
        for v in fm.values():
            if type(v) is str:
                assert seen.setdefault(v, v) is v  # every equal text is the one object


def test_the_run_process_loads_scipy_only_for_the_clustering():
    code = (
        "import sys; import svcsheet.cli, svcsheet.pipeline; "
        "from svcsheet.common_issues.cluster import ProblemText, cluster_problems; "
        "assert 'scipy' not in sys.modules, 'scipy loaded at import'; "
        "cluster_problems([ProblemText(f'u{i}', '屏幕闪烁', f'c{i}', 'f') for i in range(3)]); "
        "assert 'scipy.sparse' in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
