#!/usr/bin/env bash
# A look at the 整改情况报告 as a printed page: builds the demo database in a temporary folder,
# exports the demo report's .docx with the CLI (the 整改情况报告 and, with --original, the report
# with its 整改措施 updated), converts them to PDF with LibreOffice headless and renders each page
# to PNG with pdftoppm; the ledger too where Calc is installed. test/features/ledger/print.test.ts
# checks the same pages by measure. Needs: apt-get install -y --no-install-recommends
# libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito (Carlito
# has Calibri's metrics: the ledger's column widths are counted in the workbook's default font)
#   bash scripts/docx-to-pdf.sh [OUT_DIR]       (default: test-results/docx-pdf)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-test-results/docx-pdf}"
for bin in soffice pdftoppm pdfinfo; do
  command -v "$bin" >/dev/null || { echo "未找到 $bin：请先 apt-get install -y libreoffice-writer-nogui poppler-utils" >&2; exit 2; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
export DATABASE_FILE="$tmp/rectify.db" LOG_LEVEL=silent
node --import tsx server/cli.ts seed-demo >/dev/null
node --import tsx server/cli.ts export report --report 1 --out "$out/整改情况报告.docx"
node --import tsx server/cli.ts export report --report 1 --original --out "$out/原报告（整改措施已更新）.docx"
node --import tsx server/cli.ts export ledger --report 1 --out "$out/整改台账.xlsx"
soffice --headless -env:UserInstallation="file://$tmp/lo" --convert-to pdf --outdir "$out" "$out/整改情况报告.docx" "$out/原报告（整改措施已更新）.docx" >/dev/null
pdf="$out/整改情况报告.pdf"
pages="$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
size="$(pdfinfo "$pdf" | awk -F': +' '/^Page size:/ {print $2}')"
echo "PDF：$pdf（$pages 页，$size）"
pdftoppm -r 80 -png "$pdf" "$out/page"
ls "$out"/page-*.png
if command -v pdffonts >/dev/null; then pdffonts "$pdf"; fi
# the ledger too, where LibreOffice Calc is installed (libreoffice-calc-nogui)
if soffice --headless -env:UserInstallation="file://$tmp/lo" --convert-to pdf --outdir "$out" "$out/整改台账.xlsx" >/dev/null 2>&1 && [ -s "$out/整改台账.pdf" ]; then
  pdftoppm -r 80 -png "$out/整改台账.pdf" "$out/ledger"
  echo "台账：$out/整改台账.pdf（$(pdfinfo "$out/整改台账.pdf" | awk '/^Pages:/ {print $2}') 页）"
else
  echo "（未安装 LibreOffice Calc，台账未转换：apt-get install -y libreoffice-calc-nogui）"
fi
