"""Printed pages of svcsheet's workbooks: a section heading never ends a page without the rows under it."""

from __future__ import annotations

from svcsheet.outputs.xlsx import Sheet, new_workbook


def test_a_section_heading_prints_on_the_same_page_as_its_first_rows(tmp_path):
    for heading_at in range(15, 45):
        wb, st = new_workbook(tmp_path / f"p{heading_at}.xlsx")
        ws = Sheet(wb.add_worksheet("时效"), st, {"section": st.title})
        ws.keep(0, 40)  # a block: the sheet gets explicit page breaks
        for r in range(1, 90):
            if r == heading_at:
                ws.section(r, "各环节达标率")
            else:
                ws.write_string(r, 0, f"第 {r} 行")
        ws.finish()
        breaks = ws.ws.hbreaks
        assert not any(heading_at < b <= heading_at + 3 for b in breaks), (heading_at, breaks)
        wb.close()
