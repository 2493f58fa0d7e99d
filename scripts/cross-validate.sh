#!/usr/bin/env bash
# Five-fold cross-validation of the lexicon learning, the instrument behind the README's
# tuning decisions. The 90% of each corpus that `--holdout 10` does not hold out is cut into
# five validation slices of 18 buckets (`--validation 18 --fold 0..4`); for each, a lexicon is
# learned without it (reviews as the review domain, Weibo posts as the social domain, learned
# together: shared weights plus per-domain offsets; hotel reviews as the hotel domain, or as
# HOTEL_AS=review) and measured on it. Prints the pooled
# accuracy over all five slices per corpus, and Weibo posts again with their emoticons stripped.
# Extra arguments go to `lexicon learn` (e.g. `--offset-l2 1e-3`). NO_SOCIAL=1 leaves the Weibo
# posts out of learning (the lexicon before domains). About a minute and a half on 2 cores after the build.
source "$(dirname "$0")/common.sh"
run_fold() {
  local fold=$1
  shift
  cp -r lexicons "$work/$fold"
  split=(--holdout 10 --validation 18 --fold "$fold")
  learn=("$shop" "${HOTEL_AS:-hotel}=$hotel")
  [ -n "${NO_SOCIAL:-}" ] || learn+=("social=$weibo")
  "$yuqing" --lexicons "$work/$fold" lexicon learn "${learn[@]}" "${split[@]}" -o "$work/$fold/sentiment.tsv" "$@" 2>/dev/null
  "$yuqing" --lexicons "$work/$fold" eval "${HOTEL_AS:-hotel}=$hotel" "$shop" "social=$weibo" "${split[@]}" --json >"$work/$fold.json"
  "$yuqing" --lexicons "$work/$fold" eval "social=$weibo" "${split[@]}" --strip-emoticons --json |
    sed 's/weibo_senti_100k_partial.dev.csv/weibo, emoticons stripped/' >"$work/$fold.stripped.json"
}
# Two folds at a time (each learning is one thread).
for fold in 0 1 2 3 4; do
  run_fold "$fold" "$@" &
  if [ "$fold" = 1 ] || [ "$fold" = 3 ]; then wait; fi
done
wait
python3 - "$work" <<'PY'
import json, sys
totals = {}
for fold in range(5):
    for part in ("", ".stripped"):
        for r in json.load(open(f"{sys.argv[1]}/{fold}{part}.json")):
            name = r["file"].rsplit("/", 1)[-1]
            n, right, folds = totals.get(name, (0, 0.0, []))
            totals[name] = (n + r["documents"], right + r["accuracy"] * r["documents"], folds + [r["accuracy"]])
for name, (n, right, folds) in totals.items():
    print(f"{name}: {right / n:.4f} over {n} texts (folds: {' '.join(f'{a:.3f}' for a in folds)})")
PY
