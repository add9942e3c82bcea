#!/usr/bin/env python3
"""Render system.methods (JSON on stdin) as doc/api.md (Markdown on stdout).

The JSON API describes itself; this page is generated from that description
so it cannot drift from the code: scripts/test.sh regenerates it and fails
when the committed doc/api.md differs.
  build/examples/tc_call :memory: system.methods | scripts/gen-api-doc.py
"""
import json
import sys


def bounds(f):
    t, lo, hi = f["type"], f.get("min"), f.get("max")
    if lo is None and hi is None:
        return ""
    if t == "string":
        return f"{lo}..{hi} bytes"
    if t == "array":
        return f"{lo}..{hi} items"
    if lo == 0 and hi == 0:
        return ""
    return f"{lo}..{hi}"


def rows(fields, prefix=""):
    for f in fields:
        name = prefix + f["name"]
        t = f["type"]
        if f.get("nullable"):
            t += " or null"
        req = "yes" if f.get("required") else ""
        doc = (f.get("doc") or "").replace("|", "\\|")
        yield f"| `{name}` | {t} | {req} | {bounds(f)} | {doc} |"
        sub = f.get("fields")
        if isinstance(sub, list):
            yield from rows(sub, name + ".")
        items = f.get("items")
        if isinstance(items, dict):
            if isinstance(items.get("fields"), list):
                yield from rows(items["fields"], name + "[].")
            elif items.get("type"):
                yield from rows([dict(items, name="")], name + "[]")


def table(title, fields):
    out = [f"{title}:", ""]
    if not fields:
        return out + ["(none)", ""]
    out += ["| field | type | required | bounds | meaning |",
            "|---|---|---|---|---|"]
    out += list(rows(fields))
    return out + [""]


def main():
    methods = json.load(sys.stdin)["methods"]
    out = ["# The JSON API", "",
           "Generated from `system.methods` by `scripts/gen-api-doc.py`; do "
           "not edit by hand.", "",
           "Call any method with `tc_api_call(out, ctx, caller, method, "
           "json, len)` (or `tc_call DB METHOD JSON` from a shell). Errors "
           "are `{\"error\":{\"code\",\"message\",\"field\",\"reason\"}}` "
           "(see doc/conventions.md). Access: public (anyone), user (any "
           "signed-in caller), support, admin, system (a trusted host "
           "principal).", ""]
    module = None
    for m in methods:
        mod = m["name"].split(".")[0]
        if mod != module:
            module = mod
            out += [f"## {mod}", ""]
        out += [f"### `{m['name']}`", "", f"{m['summary']} — access: "
                f"**{m['access']}**.", ""]
        out += table("Request", m.get("request") or [])
        out += table("Response", m.get("response") or [])
    sys.stdout.write("\n".join(out).rstrip() + "\n")


if __name__ == "__main__":
    main()
