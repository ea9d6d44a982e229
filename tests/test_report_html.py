"""report.html: content from the figures, safe text, no external resources, and a real browser (Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_figures import FORMS, fixture_result, fixture_rows

from svcsheet.outputs import charts_svg
from svcsheet.outputs.figures import compute_figures
from svcsheet.outputs.report_html import render_report, write_report_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def report(rows=None, period=None) -> tuple[str, object]:
    result = fixture_result(rows=rows, period=period)
    result.figures = compute_figures(result, FORMS)
    return render_report(result), result.figures


def test_highlights_lead_the_report():
    html, fig = report()
    first = html.index('id="highlights"')
    assert first < html.index('id="overview"') and "<h2>本周要点</h2>" in html
    keys = [h.key for h in fig.highlights]
    assert keys[:4] == ["sla", "late", "common", "followups"] and 4 <= len(keys) <= 5
    late = next(h for h in fig.highlights if h.key == "late")
    assert f"已完成但超时 {len(fig.breaches)} 条" in late.text and late.text in html
    assert "returns/" in html.split('id="overview"')[0]  # who returns/ is for, before the detail
    assert html.index('id="followups"') < html.index('id="sla"')  # what a supervisor acts on comes early


def test_title_kpis_and_sections():
    html, fig = report()
    assert "<title>《客户反馈周报》2026-W47</title>" in html
    for k in fig.kpis:
        block = re.search(rf'data-kpi="{re.escape(k.key)}">(.*?)</div>\s*</div>', html, re.S).group(1)
        assert k.value_text in block and k.change_text in block
    assert ">62.5%<" in html and "-37.5个百分点" in html
    for heading in ("概览", "时效", "问题分类", "共性问题", "跟进清单", "人员与部门", "改进建议", "数据质量"):
        assert f"<h2>{heading}</h2>" in html
    assert "客服忙线" in html and "出厂前增加老化测试" in html
    # a Pareto per form; the stage bars twice (side by side, and stacked for a phone)
    assert html.count('<svg class="chart') == 4 + len(fig.category_groups)


def section(html: str, anchor: str) -> str:
    """The HTML from an element id up to the next heading."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("<h", start + 10)]


def test_late_and_still_open_are_two_lists():
    html, fig = report()
    late, still_open = section(html, "breaches"), section(html, "open-overdue")
    assert "FB202611180001" in still_open and "分析会" in still_open
    assert "分析会" not in late  # the open, overdue stage is not also listed as done late
    assert "逾期未完成" not in late.split("</h3>", 1)[1]
    assert "工作时间" in late  # how the overrun is counted


def test_rejected_rows_and_bases_are_shown():
    html, fig = report()
    assert html.count("本期退回 1 行未计入统计，见 rejects.xlsx / 数据质量") == 2  # header and 数据质量
    block = re.search(r'data-kpi="csat">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "本期 7 个回答 / 上期 2 个回答" in block
    assert fig.review_rule in html


def test_categories_name_each_forms_top_problem():
    html, fig = report()
    top = html[html.index('id="top-categories"') :].split("</table>")[0]
    for g in fig.category_groups:
        assert f"<td>{g.form}</td><td>{g.top_text}</td>" in top
    assert "来自表单" not in html.split('id="categories"')[1].split("</section>")[0]


def test_month_title():
    html, _ = report(period="2026-11")
    assert "《售后服务月度报告》2026-11" in html


def test_text_is_escaped_everywhere():
    rows = fixture_rows()
    rows["b.xlsx"][0].safe["suggestion"] = "<script>alert(1)</script>"
    rows["b.xlsx"][0].safe["issue_category"] = "<b>x</b>"
    html, _ = report(rows)
    assert "<script" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_external_resources():
    html, _ = report()
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_svg_charts_escape_and_scale():
    svg = charts_svg.bars([("<a&b>", 0.5), ("无数据", None)], "标题<1>")
    assert "&lt;a&amp;b&gt;" in svg and "标题&lt;1&gt;" in svg and "<a&" not in svg
    assert svg.count('class="bar"') == 1 and "—" in svg and 'viewBox="0 0 ' in svg
    line = charts_svg.line([("W1", 4.0), ("W2", None), ("W3", 3.0), ("W4", 5.0)], "趋势", 1, 5)
    assert line.count("<polyline") == 1  # the gap splits the line; a lone point is not a line
    assert line.count("<circle") == 3
    pareto = charts_svg.pareto([("甲", 3, 0.6), ("乙", 2, 1.0)], "帕累托")
    assert pareto.count('class="bar"') == 2 and "<polyline" in pareto


def test_same_figures_give_the_same_bytes(tmp_path):
    paths = []
    for name in ("a", "b"):
        result = fixture_result()
        result.figures = compute_figures(result, FORMS)
        (tmp_path / name).mkdir()
        write_report_html(result, tmp_path / name / "report.html")
        paths.append(tmp_path / name / "report.html")
    assert paths[0].read_bytes() == paths[1].read_bytes()


# ---------------------------------------------------------------- real browser

PROBE = """<script>
(function () {
  function shown(el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }
  var vw = window.innerWidth;
  var out = {
    viewport: vw,
    page_width: document.documentElement.scrollWidth,
    kpis: Array.prototype.map.call(document.querySelectorAll('.kpi'), function (el) {
      var v = el.querySelector('.value');
      var r = el.getBoundingClientRect();
      return {key: el.dataset.kpi, value: v.textContent, shown: shown(v), inside: r.left >= 0 && r.right <= vw + 1};
    }),
    charts: Array.prototype.map.call(document.querySelectorAll('svg.chart'), function (el) {
      var r = el.getBoundingClientRect();
      var box = el.closest('.scroll').getBoundingClientRect();
      var closed = el.closest('details:not([open])') !== null;
      var label = 12 * r.width / el.viewBox.baseVal.width;  // every chart text is drawn at 12 units
      return {shown: r.width > 100 && r.height > 40, closed: closed, box_inside: box.right <= vw + 1,
              label_px: label, marks: el.querySelectorAll('rect.bar, circle').length,
              kind: el.classList.contains('line') ? 'line' : (el.classList.contains('bars') ? 'bars' : 'other'),
              whole: r.right <= box.right + 1,
              media_hidden: getComputedStyle(el.closest('.scroll')).display === 'none'};
    }),
    tables: Array.prototype.map.call(document.querySelectorAll('table'), function (el) {
      var r = el.getBoundingClientRect();
      var box = el.closest('.scroll');
      var b = box ? box.getBoundingClientRect() : r;
      var small = Array.prototype.some.call(el.querySelectorAll('td, th'), function (c) {
        return parseFloat(getComputedStyle(c).fontSize) < 11; });
      var sec = el.closest('section');
      return {scrolls: box !== null, box_inside: b.right <= vw + 1, small_text: small,
              section: sec ? sec.id : null, fits: r.width <= b.width + 1};
    }),
    highlights_bottom: document.getElementById('highlights').getBoundingClientRect().bottom,
    highlights_top: document.getElementById('highlights').getBoundingClientRect().top,
    view_height: window.innerHeight,
    title: document.getElementById('title').textContent
  };
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


FRAME = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = this.contentDocument.getElementById('probe').textContent;
  document.body.appendChild(pre);
}});
</script></body></html>"""


def chromium(page: Path, size: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--window-size={size}",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("html")
    html, fig = report()
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    probe = folder / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    return page, probe, fig


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
def test_console_detection_works(tmp_path):
    """The console check below can fail: a page that logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><p>x</p><script>console.error('boom-probe')</script>", encoding="utf-8")
    proc = chromium(bad, "800,600", tmp_path, "--dump-dom")
    assert any("boom-probe" in m for m in console_messages(proc.stderr))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("size", ["1280,900", "390,844"])
def test_browser_loads_without_console_errors_and_shows_kpis_and_charts(rendered, size, tmp_path):
    page, probe, fig = rendered
    plain = chromium(page, size, tmp_path, "--dump-dom")
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert console_messages(plain.stderr) == []
    assert "《客户反馈周报》2026-W47" in plain.stdout

    # headless Chromium will not make a window narrower than 500 px: a phone is an iframe of the exact size
    width, height = (int(v) for v in size.split(","))
    frame = probe.with_name(f"frame-{width}.html")
    frame.write_text(FRAME.format(width=width, height=height, src=probe.name), encoding="utf-8")
    dumped = chromium(frame, f"{width + 40},{height + 40}", tmp_path, "--dump-dom", "--allow-file-access-from-files")
    data = json.loads(
        re.search(r'<pre id="probe">(.*?)</pre>', dumped.stdout, re.S).group(1).replace("&quot;", '"')
    )
    assert data["title"] == "《客户反馈周报》2026-W47" and data["viewport"] == width
    assert {k["key"]: k["value"] for k in data["kpis"]} == {k.key: k.value_text for k in fig.kpis}
    assert all(k["shown"] and k["inside"] for k in data["kpis"])
    # two drawings of the stage bars: side by side, or stacked for a phone; the page shows one
    assert len(data["charts"]) == 4 + len(fig.category_groups)
    for c in data["charts"]:  # open charts are drawn with their marks; collapsed ones (Pareto) wait in <details>
        assert c["closed"] or c["media_hidden"] or (
            c["shown"] and c["marks"] and c["box_inside"] and c["label_px"] >= 11
        ), c
    stages = [c for c in data["charts"] if c["kind"] == "bars" and not c["media_hidden"]]
    assert len(stages) == 1
    if width < 600:  # on a phone the bars are seen whole, their ends and rates too
        assert stages[0]["whole"], stages
    # the trends are seen whole, the current period (their last point) without scrolling sideways, on a phone too
    trends = [c for c in data["charts"] if c["kind"] == "line"]
    assert len(trends) == 2 and all(c["whole"] for c in trends), trends
    assert data["page_width"] <= data["viewport"]  # wide tables scroll inside their box, not the page
    assert all(t["scrolls"] and t["box_inside"] and not t["small_text"] for t in data["tables"])
    # what needs action comes first: 本周要点 starts on the first screen
    assert data["highlights_top"] < data["view_height"] * 0.5

    shot = tmp_path / "shot.png"
    proc = chromium(page, size, tmp_path, f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_long_lists_are_cut_in_the_html_but_not_in_the_workbook():
    import copy

    from svcsheet.outputs.report_html import LIST_LIMIT

    rows = {}
    for name, rs in fixture_rows().items():
        rows[name] = []
        for i in range(LIST_LIMIT // 4):
            for r in rs:
                c = copy.copy(r)
                c.ticket_id = f"{r.ticket_id}-{i:03d}"
                rows[name].append(c)
    html, fig = report(rows)
    assert len(fig.breaches) == 5 * (LIST_LIMIT // 4) > LIST_LIMIT
    assert f"只列出前 {LIST_LIMIT} 条，共 {len(fig.breaches)} 条" in html
    section = html.split('<section id="sla">')[1].split('<h3 id="open-overdue">')[0]
    assert section.count("<tr><td>") == LIST_LIMIT + len(fig.compliance)


LINE_PROBE = """<script>
(function () {
  function overlaps(list) {
    var rs = Array.prototype.map.call(list, function (t) { return t.getBoundingClientRect(); });
    for (var i = 1; i < rs.length; i++) { if (rs[i].left < rs[i - 1].right) return true; }
    return false;
  }
  var out = Array.prototype.map.call(document.querySelectorAll('svg.chart.line'), function (el) {
    var r = el.getBoundingClientRect(), box = el.closest('.scroll').getBoundingClientRect();
    var axis = el.querySelectorAll('text.x');
    return {whole: r.right <= box.right + 1, axis_overlap: overlaps(axis), value_overlap: overlaps(el.querySelectorAll('text.v')),
            labels: Array.prototype.map.call(axis, function (t) { return t.textContent; }),
            points: el.querySelectorAll('circle').length};
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("period", [None, "2026-11"])
def test_trends_on_a_phone_are_whole_with_labels_apart(period, tmp_path):
    """A month's report draws 12 months in a phone's width: the chart stays whole and its labels do not run into
    each other (every other month is labelled, always the current one); a week's 8 weeks are all labelled."""
    html, fig = report(period=period)
    (tmp_path / "probe.html").write_text(html.replace("</body>", LINE_PROBE + "</body>"), encoding="utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(width=390, height=844, src="probe.html"), encoding="utf-8")
    dumped = chromium(frame, "430,884", tmp_path, "--dump-dom", "--allow-file-access-from-files")
    charts = json.loads(
        re.search(r'<pre id="probe">(.*?)</pre>', dumped.stdout, re.S).group(1).replace("&quot;", '"')
    )
    assert len(charts) == 2
    current = fig.trend[-1].label
    for c in charts:
        assert c["whole"] and not c["axis_overlap"] and not c["value_overlap"], c
        assert current.endswith(c["labels"][-1]), c  # the current period is labelled, last
        if period is None:
            assert len(c["labels"]) == len(fig.trend) == 8
        else:
            assert len(fig.trend) == 12 and len(c["labels"]) == 6
