#!/usr/bin/env bash
# Regenerates the README's key table from the benchmarks' own key table
# (small_benchmark --keys), between <!-- keys --> and <!-- /keys -->.
# The unit test RunOptions.ReadmeTableIsTheGeneratedOne fails until it is run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bin/small_benchmark}
table=$("$bin" --keys | grep "^|")  # not the process-tuning note
python3 - "$table" <<'PY'
import os, sys, tempfile
table = sys.argv[1] + "\n"
text = open("README.md").read()
begin, end = "<!-- keys -->\n", "<!-- /keys -->"
a, b = text.find(begin), text.find(end)
if a < 0 or b < 0:
    sys.exit("README.md: no <!-- keys --> ... <!-- /keys --> block")
out = text[: a + len(begin)] + table + text[b:]
fd, tmp = tempfile.mkstemp(dir=".", prefix=".README.")
with os.fdopen(fd, "w") as f:
    f.write(out)
os.replace(tmp, "README.md")
print("README.md: key table updated (%d keys)" % (table.count("\n") - 2))
PY
