#!/usr/bin/env bash
# What people see, in figures: printed pages of clean/rejects/summary (LibreOffice), cells showing ###,
# report.html height and where 本周要点 / 跟进清单 / 共性问题 start at 1280 and 390 px (Chromium; the phone is an
# iframe of exactly 390 px, since headless Chromium keeps windows at least 500 px wide), and printed A4 pages.
# Usage: bench/measure_outputs.sh OUTDIR   (OUTDIR from: svcsheet run sample_workbooks --out OUTDIR ...)
# Needs: soffice, pdfinfo/pdftotext (poppler-utils), chromium.
set -eu
d=$(realpath "${1:?usage: measure_outputs.sh OUTDIR}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
browser=$(command -v chromium || command -v chromium-browser)
soffice --headless "-env:UserInstallation=file://$tmp/lo" --convert-to pdf --outdir "$tmp" \
  "$d/clean.xlsx" "$d/rejects.xlsx" "$d/summary.xlsx" >/dev/null 2>&1
for n in clean rejects summary; do
  echo "$n.xlsx printed: $(pdfinfo "$tmp/$n.pdf" | sed -n 's/Pages: *//p') pages," \
    "$(pdftotext "$tmp/$n.pdf" - | grep -c '###' || true) lines showing ###"
done
probe='<script>addEventListener("load",function(){var t=function(id){var e=document.getElementById(id);return e?Math.round(e.getBoundingClientRect().top+scrollY):-1};var p=document.createElement("pre");p.id="probe";p.textContent=JSON.stringify({viewport:innerWidth,height:document.documentElement.scrollHeight,page_width:document.documentElement.scrollWidth,highlights:t("highlights"),followups:t("followups"),common:t("common")});document.body.appendChild(p)})</script>'
sed "s#</body>#$probe</body>#" "$d/report.html" > "$tmp/p.html"
for w in 1280 390; do
  cat > "$tmp/f$w.html" <<HTML
<!doctype html><html><body style="margin:0"><iframe id="f" src="p.html" style="width:${w}px;height:900px;border:0"></iframe>
<script>document.getElementById('f').addEventListener('load',function(){var s=this;setTimeout(function(){var p=document.createElement('pre');p.id='m';p.textContent=s.contentDocument.getElementById('probe').textContent;document.body.appendChild(p)},200)});</script></body></html>
HTML
  echo "report.html at ${w}px: $("$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --allow-file-access-from-files "--user-data-dir=$tmp/chr" \
    --window-size=$((w + 40)),940 --virtual-time-budget=3000 --dump-dom "file://$tmp/f$w.html" 2>/dev/null \
    | grep -o '<pre id="m">[^<]*' | sed 's/.*>//;s/&quot;/"/g')"
done
"$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  "--user-data-dir=$tmp/chr" --no-pdf-header-footer "--print-to-pdf=$tmp/report.pdf" "file://$d/report.html" >/dev/null 2>&1
echo "report.html printed: $(pdfinfo "$tmp/report.pdf" | sed -n 's/Pages: *//p') pages of $(pdfinfo "$tmp/report.pdf" | sed -n 's/Page size: *//p')"
