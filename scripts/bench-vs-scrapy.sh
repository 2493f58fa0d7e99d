#!/usr/bin/env bash
# yuqing against Scrapy on the same local GBK shop (the crawl bench's site, served by
# `cargo bench --bench crawl -- --serve`), with the same concurrency (16 requests in flight, no
# delay, robots off), in one run, alternating, ROUNDS times (default 3). yuqing's crawl does the
# whole job (fetch, decode, extract, dates, text pipeline, sentiment, watches, dedup, index, crawl
# state); Scrapy fetches, decodes and extracts the same fields (scripts/scrapy_shop.py). Wall-clock
# time of each whole command, start-up included. Needs Scrapy (`pip install scrapy`).
# Usage: scripts/bench-vs-scrapy.sh [PAGES] [ROUNDS]   (default 2000 pages, 3 rounds)
source "$(dirname "$0")/common.sh"
pages=${1:-2000}
rounds=${2:-3}
python3 -c "import scrapy" 2>/dev/null || { echo "needs Scrapy: pip install scrapy" >&2; exit 2; }
bench=$(cargo bench --bench crawl --no-run --message-format json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "crawl":
        print(m["executable"])')
"$bench" "$pages" --serve > "$work/site.log" &
site=$!
trap 'kill $site 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^serving ' "$work/site.log" 2>/dev/null && break; sleep 0.2; done
origin=$(sed -n 's/^serving \(http:[^/]*\/\/[^/]*\).*/\1/p' "$work/site.log")
[ -n "$origin" ] || { echo "the bench site did not start" >&2; cat "$work/site.log" >&2; exit 1; }
# The definition the site printed (after its two header lines), and a config without politeness.
sed -n '/^kind = /,$p' "$work/site.log" > "$work/shop.toml"
printf '[crawl]\ndelay_ms = 0\nconcurrency = 16\n[[watch]]\nname = "华为"\n[[watch]]\nname = "小米"\n' > "$work/yuqing.toml"
mkdir -p "$work/sources"; cp "$work/shop.toml" "$work/sources/"
echo "site: $origin ($(head -1 "$work/site.log"))"
now() { date +%s.%N; }
ratios=()
for round in $(seq "$rounds"); do
  rm -rf "$work/data"
  start=$(now)
  "$yuqing" --config "$work/yuqing.toml" --data "$work/data" crawl > "$work/yuqing.out"
  yq_secs=$(python3 -c "print($(now) - $start)")
  yq_pages=$(sed -n 's/^shop: \([0-9]*\) pages.*/\1/p' "$work/yuqing.out")
  start=$(now)
  scrapy runspider scripts/scrapy_shop.py -a origin="$origin" -o "$work/items.jsonl" -s LOG_LEVEL=ERROR > "$work/scrapy.out" 2>&1
  sc_secs=$(python3 -c "print($(now) - $start)")
  sc_pages=$(sed -n 's/^scrapy: \([0-9]*\) pages.*/\1/p' "$work/scrapy.out")
  rm -f "$work/items.jsonl"
  ratio=$(python3 -c "print(($yq_pages / $yq_secs) / ($sc_pages / $sc_secs))")
  ratios+=("$ratio")
  printf 'round %d: yuqing %d pages in %.2f s = %.0f pages/s; Scrapy %d pages in %.2f s = %.0f pages/s; yuqing / Scrapy %.1fx\n' \
    "$round" "$yq_pages" "$yq_secs" "$(python3 -c "print($yq_pages / $yq_secs)")" \
    "$sc_pages" "$sc_secs" "$(python3 -c "print($sc_pages / $sc_secs)")" "$ratio"
done
echo "yuqing / Scrapy by round: ${ratios[*]}"
