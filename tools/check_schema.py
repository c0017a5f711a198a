#!/usr/bin/env python3
"""Checks scenarios/schema.json against the loader (run by ctest as `schema`).

1. Every shipped scenario (scenarios/**/*.json except schema.json) validates against the
   schema: what the loader accepts, an editor must not underline.
2. Every bad scenario in tests/e2e/bad/ is rejected by the schema, unless it is listed in
   SEMANTIC below: faults the loader finds that a JSON Schema cannot express.
3. The schema itself is a valid draft 2020-12 schema.

Needs python3-jsonschema (Debian package). Exit 0 when all hold, 1 otherwise.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("check_schema: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Bad scenarios a JSON Schema cannot reject, and why. The loader rejects each of them.
SEMANTIC = {
    "missing_reference.json": "a reference to a component id that does not exist (schemas cannot cross-reference values)",
    "sync_cycle.json": "a cycle of synchronous calls (a property of the graph, not of one value)",
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    schema = load(os.path.join(ROOT, "scenarios", "schema.json"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    failures = 0

    shipped = sorted(p for p in glob.glob(os.path.join(ROOT, "scenarios", "**", "*.json"), recursive=True)
                     if os.path.basename(p) != "schema.json")
    for path in shipped:
        errors = sorted(validator.iter_errors(load(path)), key=lambda e: list(e.absolute_path))
        rel = os.path.relpath(path, ROOT)
        if errors:
            failures += 1
            for e in errors[:5]:
                print(f"FAIL {rel}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
        else:
            print(f"ok   {rel}")

    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "e2e", "bad", "*.json"))):
        name = os.path.basename(path)
        rel = os.path.relpath(path, ROOT)
        try:
            doc = load(path)
        except json.JSONDecodeError:
            print(f"ok   {rel}: not JSON (editors flag the syntax error)")
            continue
        errors = list(validator.iter_errors(doc))
        if errors:
            e = errors[0]
            print(f"ok   {rel}: rejected at /{'/'.join(map(str, e.absolute_path))}")
        elif SEMANTIC.get(name):
            print(f"ok   {rel}: accepted by the schema; the loader rejects it: {SEMANTIC[name]}")
        else:
            failures += 1
            print(f"FAIL {rel}: the loader rejects it but the schema accepts it "
                  f"(tighten the schema, or list it in SEMANTIC in tools/check_schema.py with the reason)")
    print(f"{len(shipped)} shipped scenarios checked; {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
