#!/usr/bin/env bash
# `yuqing score` (normalize, segment, score, explain, JSON lines out) against Python jieba's
# segmentation alone (jieba.lcut), on the same texts, in one run. Needs python3 with jieba
# (`pip install jieba`). Python runs one thread; yuqing runs once on one thread (`--threads 1`)
# and once on every core (its default), each timed with its start-up.
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
timed() {
  local start end
  start=$(date +%s.%N)
  "$yuqing" score "$@" "$work/texts.txt" > "$work/out.jsonl"
  end=$(date +%s.%N)
  python3 -c "print($docs / ($end - $start))"
}
one=$(timed --threads 1)
all=$(timed)
printf '%d documents\nPython jieba lcut (segmentation only, one thread): %10.0f documents/s\n' "$docs" "$py"
printf 'yuqing score, one thread (whole job, JSON out):    %10.0f documents/s (%.1fx, including start-up)\n' \
  "$one" "$(python3 -c "print($one / $py)")"
printf 'yuqing score, %d threads (its default):            %10.0f documents/s (%.1fx, including start-up)\n' \
  "$(nproc)" "$all" "$(python3 -c "print($all / $py)")"
