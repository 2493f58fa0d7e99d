#!/usr/bin/env python3
"""Checks the module graph that README.md's "Layout" lists: each top-level module of the library
may use only modules listed below it. Prints every use of a module listed above (a violation) and
exits 1 when there is one.

Usage: scripts/module-graph.py
"""
import os
import re
import sys

# Top to bottom: a module may use the ones below it, never one above. Keep in step with README.md.
ORDER = [
    "demo", "app", "config", "cluster", "serve", "daemon", "digest", "alert", "crawl", "render", "index",
    "analysis", "source", "watch", "sentiment", "text", "store", "mention", "schedule", "time",
    "setting", "data_dir",
]
USE = re.compile(r"\bcrate::(\w+)")


def module_of(path):
    rel = os.path.relpath(path, "src")
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def main():
    rank = {m: i for i, m in enumerate(ORDER)}
    bad = []
    for d, _, files in os.walk("src"):
        for f in files:
            path = os.path.join(d, f)
            if not f.endswith(".rs") or path.startswith(os.path.join("src", "cli")) or f in ("main.rs", "lib.rs"):
                continue
            me = module_of(path)
            if me not in rank:
                bad.append(f"{path}: module {me} is not in the list")
                continue
            for n, line in enumerate(open(path, encoding="utf-8"), 1):
                for used in USE.findall(line):
                    if used in rank and rank[used] < rank[me]:
                        bad.append(f"{path}:{n}: {me} uses {used}, which is listed above it")
    for b in bad:
        print(b)
    print(f"{len(bad)} uses against the order: {' > '.join(ORDER)}")
    sys.exit(1 if bad else 0)


main()
