"""Spreadsheet-like files a run does not read, so the terminal can list them with the reason instead of
skipping them silently (a team that exports .csv must learn why its file is not in the report)."""

from __future__ import annotations

# extension -> what to do (Chinese, for the agent or supervisor)
UNSUPPORTED = {
    ".csv": "CSV 不保存单元格位置和格式，无法按表单读取；请在 Excel/WPS 中另存为 .xlsx",
    ".numbers": "Numbers 文件请在 Numbers 中导出为 .xlsx",
    ".et": "WPS 表格文件请另存为 .xlsx",
    ".ett": "WPS 表格模板请另存为 .xlsx",
    ".xlsb": "二进制工作簿请另存为 .xlsx",
    ".xltx": "这是 Excel 模板，请另存为 .xlsx 后填写",
}
