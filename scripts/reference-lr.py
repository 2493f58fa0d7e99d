#!/usr/bin/env python3
"""Reference classifiers on yuqing's own split, to put its accuracy figures in context.

Logistic regressions (scikit-learn) trained per domain on the rows `yuqing lexicon learn
--holdout 10 --validation 20` learns from (reviews: the e-commerce + hotel dev corpora; social
posts: the Weibo corpus), measured on the same validation slice and held-out rows as `yuqing
eval` (Weibo posts also with their emoticons stripped, as `eval --strip-emoticons`): one over
jieba word unigrams + bigrams (the issue's reference model), one over TF-IDF character
1–3-grams. Needs python3 with jieba and
scikit-learn (`pip install jieba scikit-learn`); about a minute.

    scripts/reference-lr.py [CORPUS_DIR]      # default ../shared/data/sentiment
    scripts/reference-lr.py --folds [DIR]     # five-fold, as scripts/cross-validate.sh (~5 min)
"""
import csv
import functools
import logging
import re
import sys

import jieba
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

jieba.setLogLevel(logging.WARNING)
folds = "--folds" in sys.argv
args = [a for a in sys.argv[1:] if a != "--folds"]
corpus_dir = args[0] if args else "../shared/data/sentiment"


def bucket(text):
    """src/sentiment/corpus.rs `bucket`: FNV-1a 64 of the text without whitespace, mod 100."""
    h = 0xCBF29CE484222325
    for c in text:
        if c.isspace():
            continue
        for b in c.encode("utf-8"):
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h % 100


def read(name):
    with open(f"{corpus_dir}/{name}", newline="", encoding="utf-8-sig") as f:
        return [(int(r["label"]), r["text"], bucket(r["text"])) for r in csv.DictReader(f)]


# Weibo emoticon codes ([哈哈]) and emoji, as `--strip-emoticons` drops them.
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


def stripped(rows):
    return [(label, EMOTICON.sub("", text), b) for label, text, b in rows]


shop = read("online_shopping_10_cats.dev.csv")
hotel = read("ChnSentiCorp_htl_all.dev.csv")
weibo = read("weibo_senti_100k_partial.dev.csv")
# Per domain: the rows learned from (buckets 30+ here, 10+ outside the fold in --folds) and the sets measured.
domains = [
    ("reviews", shop + hotel, [("e-commerce", shop), ("hotel", hotel)]),
    ("social", weibo, [("Weibo", weibo), ("Weibo, emoticons stripped", stripped(weibo))]),
    # yuqing's hotel domain (a child of review, learned jointly); a per-domain reference learns
    # from the hotel reviews alone.
    ("hotel", hotel, [("hotel", hotel)]),
]

@functools.cache
def words(text):
    return " ".join(jieba.lcut(text))


models = [
    (
        "LR, jieba words 1-2 (binary), C=0.5",
        CountVectorizer(tokenizer=str.split, token_pattern=None, ngram_range=(1, 2), min_df=2, binary=True, lowercase=False),
        words,
        0.5,
    ),
    (
        "LR, characters 1-3 (TF-IDF), C=4",
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
        lambda t: t,
        4.0,
    ),
]


def fit_and_measure(vectorizer, prep, c, train, sets):
    x = vectorizer.fit_transform([prep(r[1]) for r in train])
    model = LogisticRegression(C=c, max_iter=3000).fit(x, [r[0] for r in train])
    return [
        (len(rows), np.mean(model.predict(vectorizer.transform([prep(r[1]) for r in rows])) == np.array([r[0] for r in rows])))
        for rows in sets
    ]


if folds:
    # Validation slice k: buckets 10+18k .. 10+18(k+1), as `--validation 18 --fold k`.
    for name, vectorizer, prep, c in models:
        for domain, rows, measured in domains:
            right, total = [0.0] * len(measured), [0] * len(measured)
            for k in range(5):
                lo, hi = 10 + 18 * k, 28 + 18 * k
                fold_train = [r for r in rows if r[2] >= 10 and not lo <= r[2] < hi]
                sets = [[r for r in corpus if lo <= r[2] < hi] for _, corpus in measured]
                for i, (n, accuracy) in enumerate(fit_and_measure(vectorizer, prep, c, fold_train, sets)):
                    right[i] += accuracy * n
                    total[i] += n
            figures = [f"{set_name} ({t}) {r / t:.4f}" for (set_name, _), r, t in zip(measured, right, total)]
            print(f"{name}, {domain}, five folds: " + ", ".join(figures), flush=True)
    sys.exit(0)

for name, vectorizer, prep, c in models:
    for domain, rows, measured in domains:
        sets = []
        for set_name, corpus in measured:
            sets.append((f"{set_name} validation", [r for r in corpus if 10 <= r[2] < 30]))
            sets.append((f"{set_name} held out", [r for r in corpus if r[2] < 10]))
        results = fit_and_measure(vectorizer, prep, c, [r for r in rows if r[2] >= 30], [s for _, s in sets])
        figures = [f"{set_name} ({n}) {accuracy:.3f}" for (set_name, _), (n, accuracy) in zip(sets, results)]
        print(f"{name}, {domain}: " + ", ".join(figures), flush=True)
