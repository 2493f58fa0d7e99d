#!/usr/bin/env bash
# `yuqing score` (normalize, segment, score, explain, JSON lines out) against Python jieba's
# segmentation alone (jieba.lcut), on the same texts, in one run. Needs python3 with jieba
# (`pip install jieba`). Single thread on both sides.
source "$(dirname "$0")/common.sh"
file=${1:-$shop}
python3 - "$file" "$work/texts.txt" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in csv.DictReader(f):
        out.write(row["text"].replace("\n", " ").replace("\r", " ") + "\n")
PY
docs=$(wc -l < "$work/texts.txt")
py=$(python3 - "$work/texts.txt" <<'PY'
import sys, time, logging, jieba
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
texts = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = time.perf_counter()
for t in texts:
    jieba.lcut(t)
print(len(texts) / (time.perf_counter() - start))
PY
)
start=$(date +%s.%N)
"$yuqing" score "$work/texts.txt" > "$work/out.jsonl"
end=$(date +%s.%N)
yq=$(python3 -c "print($docs / ($end - $start))")
printf '%d documents\nPython jieba lcut (segmentation only): %10.0f documents/s\nyuqing score (whole job, JSON out):   %10.0f documents/s (%.1fx, including startup)\n' \
  "$docs" "$py" "$yq" "$(python3 -c "print($yq / $py)")"
