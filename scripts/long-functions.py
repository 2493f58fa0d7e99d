#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 80 lines), for the README's layout rule.

Usage: scripts/long-functions.py [LIMIT] [PATH ...]   (default: src tests benches)
A function's length counts from its `fn` line to its closing brace. Strings, chars and comments
are skipped when matching braces; `html!` macro bodies count as code (they are).
"""
import os
import re
import sys

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def strip(line, state):
    """The line with string, char and comment contents blanked; state carries block comments and strings."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if state["block"]:
            if line.startswith("*/", i):
                state["block"] = False
                i += 2
                continue
            i += 1
            continue
        if state["str"]:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                state["str"] = False
            i += 1
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"] = True
            i += 2
            continue
        if c == '"':
            state["str"] = True
            i += 1
            continue
        if c == "'" and re.match(r"'(\\.|[^\\'])'", line[i:]):
            i += len(re.match(r"'(\\.|[^\\'])'", line[i:]).group(0))
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    state = {"block": False, "str": False}
    code = [strip(l, state) for l in lines]
    for n, l in enumerate(code):
        m = FN.match(l)
        if not m:
            continue
        depth, started = 0, False
        for k in range(n, len(code)):
            for c in code[k]:
                if c == "{":
                    depth += 1
                    started = True
                elif c == "}":
                    depth -= 1
            if started and depth == 0:
                yield m.group(6), n + 1, k - n + 1
                break
            if not started and code[k].rstrip().endswith(";"):
                break


def main():
    args = sys.argv[1:]
    limit = int(args.pop(0)) if args and args[0].isdigit() else 80
    roots = args or ["src", "tests", "benches"]
    found = []
    for root in roots:
        for d, _, files in os.walk(root):
            for f in files:
                if f.endswith(".rs"):
                    p = os.path.join(d, f)
                    found += [(length, p, line, name) for name, line, length in functions(p) if length > limit]
    for length, p, line, name in sorted(found, reverse=True):
        print(f"{length:4} lines  {p}:{line}  fn {name}")
    print(f"{len(found)} functions over {limit} lines")


main()
