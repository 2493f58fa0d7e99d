#!/usr/bin/env bash
# Does the scorer hold up on a review domain it never learned from?
# For each category of online_shopping_10_cats: learn a lexicon with that category left out
# (and, for 酒店, the hotel corpus too, which is otherwise learned as the hotel domain: the two
# share reviews; Weibo posts are learned as the
# social domain unless NO_SOCIAL=1), then measure it on that category's held-out rows in the
# review domain. Prints one line per category. Takes about 5 minutes on 2 cores.
source "$(dirname "$0")/common.sh"
printf '%-8s %9s %9s %9s\n' category documents accuracy macro-F1
for cat in 书籍 平板 手机 水果 洗发水 热水器 蒙牛 衣服 计算机 酒店; do
  cp -r lexicons "$work/$cat"
  corpora=("$shop")
  [ "$cat" = 酒店 ] || corpora+=("hotel=$hotel")
  [ -n "${NO_SOCIAL:-}" ] || corpora+=("social=$weibo")
  "$yuqing" --lexicons "$work/$cat" lexicon learn "${corpora[@]}" --holdout 10 --exclude "cat=$cat" \
    -o "$work/$cat/sentiment.tsv" 2>/dev/null
  "$yuqing" --lexicons "$work/$cat" eval "$shop" --holdout 10 --only "cat=$cat" --json |
    python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print("%-8s %9d %9.4f %9.4f" % (sys.argv[1], r["documents"], r["accuracy"], r["macro_f1"]))' "$cat"
done
