#!/usr/bin/env python3
"""Holds scenarios/schema.json to the loader, both ways (ctest runs it as `schema`).

The loader's parameter readers are the truth. `archsim validate --fields FILE...` prints,
for each file, the loader's verdict and every field a reader asked for: where, its kind
(number, integer, choice, duration, ...), range, choices and default, and the source line
that read it. This script checks, over every shipped scenario and every bad-input case:

1. The verdicts agree: every shipped scenario passes the schema and the loader; every case
   of tests/e2e/bad/ fails both, unless SEMANTIC below says why a schema cannot see it.
2. Every field the loader reads is declared by the schema at that place, with the same
   type, unit (a duration, a distribution, a profile), range, choices and default: each is
   probed by validating sample values against the field's schema (a value the reader takes
   must pass, one it rejects must fail).
3. Every field the schema declares is read by the loader somewhere it applies.

A failure says what to add or change, and where in schema.json. Needs python3-jsonschema.

  check_schema.py ARCHSIM_BINARY [--list] [--add-defaults]
--list prints every field read, as JSON; --add-defaults writes the readers' defaults the
schema does not state into scenarios/schema.json.
Exit 0 when all hold, 1 otherwise (77 when jsonschema is missing, which ctest skips).
"""
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("check_schema: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "scenarios", "schema.json")

# Bad scenarios a JSON Schema cannot reject, and why. The loader rejects each of them.
SEMANTIC = {
    "missing_reference.json": "a reference to a component id that does not exist (schemas cannot cross-reference values)",
    "sync_cycle.json": "a cycle of synchronous calls (a property of the graph, not of one value)",
    "two_phase_cache_participant.json": "a participant's type is the called component's (schemas cannot cross-reference values)",
    "two_phase_service_participant.json": "a participant's type is the called component's (schemas cannot cross-reference values)",
}



def sentinel(read):
    """A default that stands for "none" or "unbounded" (the largest time or number), which an
    editor need not show; every other constant default is stated in the schema."""
    d = read["default"]
    return isinstance(d, (int, float)) and not isinstance(d, bool) and abs(d) >= 1e9

# Fields whose reader takes a wider range than the loader accepts in the end (a check after
# the read narrows it): (key, source file) -> the check. The schema states the narrower rule.
LATER_CHECKS = {
    ("partitions", "topic.cpp"): "a work_queue takes exactly one partition",
    ("sample", "operational.h"): "an access log samples more than nothing (0 < sample)",
}

# Reader kinds whose value takes several shapes (Params::value) or is only accepted
# (Params::known, the sections the engine hands on): declared is all that is checked.
UNTYPED = {"value", "known", "raw"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def seconds(v):
    """A duration as the loader reads it (a number of seconds or "250ms"), in seconds."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(ns|us|µs|ms|s|m|min|h|d)\s*", str(v))
    if not m:
        return None
    unit = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
    return float(m.group(1)) * unit[m.group(2)]


def pointer_get(doc, pointer):
    node = doc
    for tok in pointer.split("/")[1:] if pointer else []:
        tok = tok.replace("~1", "/").replace("~0", "~")
        node = node[int(tok)] if isinstance(node, list) else node[tok]
    return node


def token(key):
    return str(key).replace("~", "~0").replace("/", "~1")


class Schema:
    """The schema, with what applies where: for an instance, the object schemas (by their
    pointer inside schema.json) that govern each of its objects, following $ref, allOf, the
    oneOf/anyOf branches the instance matches, if/then/else, properties and items."""

    def __init__(self, schema):
        self.root = schema
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        self.cls = cls
        self.validator = cls(schema)
        self._sub = {}

    def resolve(self, ref):
        assert ref.startswith("#"), ref
        return ref[1:], pointer_get(self.root, ref[1:])

    def valid(self, instance, spointer):
        """Does `instance` pass the subschema at `spointer` (refs resolved from the root)?"""
        v = self._sub.get(spointer)
        if v is None:
            # evolve keeps the validator's resolver: $refs inside resolve against the root.
            v = self._sub[spointer] = self.validator.evolve(schema=pointer_get(self.root, spointer))
        return v.is_valid(instance)

    def errors(self, instance):
        return sorted(self.validator.iter_errors(instance), key=lambda e: list(e.absolute_path))

    def applicable(self, instance, spointer="", ipointer="", out=None):
        """{instance pointer: [schema pointer of each object schema applying there]}."""
        if out is None:
            out = {}
        s = pointer_get(self.root, spointer)
        if not isinstance(s, dict):
            return out
        if "$ref" in s:
            target, _ = self.resolve(s["$ref"])
            self.applicable(instance, target, ipointer, out)
        for k in ("allOf",):
            for i, _ in enumerate(s.get(k, [])):
                self.applicable(instance, f"{spointer}/{k}/{i}", ipointer, out)
        for k in ("oneOf", "anyOf"):
            for i, _ in enumerate(s.get(k, [])):
                if self.valid(instance, f"{spointer}/{k}/{i}"):
                    self.applicable(instance, f"{spointer}/{k}/{i}", ipointer, out)
        if "if" in s:
            branch = "then" if self.valid(instance, spointer + "/if") else "else"
            if branch in s:
                self.applicable(instance, f"{spointer}/{branch}", ipointer, out)
        if isinstance(instance, dict):
            if any(k in s for k in ("properties", "additionalProperties", "patternProperties")):
                out.setdefault(ipointer, []).append(spointer)
            props = s.get("properties", {})
            for key, value in instance.items():
                child = f"{ipointer}/{token(key)}"
                if key in props:
                    self.applicable(value, f"{spointer}/properties/{token(key)}", child, out)
                    continue
                matched = False
                for pat in s.get("patternProperties", {}):
                    if re.search(pat, key):
                        matched = True
                        self.applicable(value, f"{spointer}/patternProperties/{token(pat)}", child, out)
                if not matched and isinstance(s.get("additionalProperties"), dict):
                    self.applicable(value, f"{spointer}/additionalProperties", child, out)
        elif isinstance(instance, list):
            prefix = s.get("prefixItems", [])
            for i, value in enumerate(instance):
                if i < len(prefix):
                    self.applicable(value, f"{spointer}/prefixItems/{i}", f"{ipointer}/{i}", out)
                elif isinstance(s.get("items"), dict):
                    self.applicable(value, f"{spointer}/items", f"{ipointer}/{i}", out)
        return out

    def field_schemas(self, object_schemas, key):
        """The pointers of the subschemas that govern member `key` of an object governed by
        `object_schemas`; [] when none declares it (then the schema rejects it, or lets it
        through unchecked)."""
        found = []
        for sp in object_schemas:
            s = pointer_get(self.root, sp)
            if key in s.get("properties", {}):
                found.append(f"{sp}/properties/{token(key)}")
                continue
            pats = [p for p in s.get("patternProperties", {}) if re.search(p, key)]
            found += [f"{sp}/patternProperties/{token(p)}" for p in pats]
            if not pats and isinstance(s.get("additionalProperties"), dict):
                found.append(f"{sp}/additionalProperties")
        return found

    def object_pointers(self, spointer="", node=None):
        """Every subschema that declares properties, by pointer (not under `if`)."""
        node = self.root if node is None else node
        out = []
        if isinstance(node, dict):
            if any(v is not False for v in node.get("properties", {}).values()):
                out.append(spointer)
            for k, v in node.items():
                # Constraints only (`not`, dependentSchemas narrow fields declared elsewhere).
                if k in ("if", "not", "dependentSchemas", "properties"):
                    if k == "properties":
                        for name, sub in v.items():
                            out += self.object_pointers(f"{spointer}/properties/{token(name)}", sub)
                    continue
                out += self.object_pointers(f"{spointer}/{token(k)}", v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                out += self.object_pointers(f"{spointer}/{i}", v)
        return out

    def sample(self, spointer):
        """A value the subschema at `spointer` describes (its default, first choice, or type)."""
        s = pointer_get(self.root, spointer)
        if not isinstance(s, dict):
            return 1
        if "$ref" in s and len(s) <= 3:
            return self.sample(self.resolve(s["$ref"])[0])
        for k in ("default", "const"):
            if k in s:
                return s[k]
        if "enum" in s:
            return s["enum"][0]
        for k in ("oneOf", "anyOf"):
            if s.get(k):
                return self.sample(f"{spointer}/{k}/0")
        t = s.get("type", "object")
        t = t[0] if isinstance(t, list) else t
        return {"integer": s.get("minimum", 1), "number": s.get("minimum", 1), "string": "x", "boolean": False,
                "array": [], "object": {}, "null": None}.get(t, {})

    def accepts(self, value, field_pointers):
        return all(self.valid(value, p) for p in field_pointers)

    def keyword(self, field_pointers, name):
        """The values of keyword `name` on the field's subschemas (one $ref deep)."""
        out = []
        for p in field_pointers:
            s = pointer_get(self.root, p)
            if not isinstance(s, dict):
                continue
            if name in s:
                out.append(s[name])
            elif "$ref" in s:
                t = self.resolve(s["$ref"])[1]
                if name in t:
                    out.append(t[name])
        return out


def describe(read):
    kind = read["kind"]
    bits = [f"as {'an' if kind[0] in 'aeiou' else 'a'} {kind}"]
    if "choices" in read:
        bits.append("of " + ", ".join(read["choices"]))
    if "min" in read or "max" in read:
        bits.append(f"from {read.get('min', '-inf')} to {read.get('max', 'inf')}")
    if "default" in read:
        bits.append(f"default {json.dumps(read['default'])}")
    if read.get("required"):
        bits.append("required")
    return ", ".join(bits)


def suggestion(read):
    """The schema text to add for a field the loader reads."""
    kind, s = read["kind"], {}
    if kind in ("number", "integer", "integer_or_null"):
        s["type"] = {"number": "number", "integer": "integer", "integer_or_null": ["integer", "null"]}[kind]
        if "min" in read:
            s["minimum"] = read["min"]
        if "max" in read and abs(read["max"]) < 2 ** 53:
            s["maximum"] = read["max"]
    elif kind == "boolean":
        s["type"] = "boolean"
    elif kind == "string":
        s["type"] = "string"
    elif kind == "choice":
        s["enum"] = read["choices"]
    elif kind in ("duration", "distribution", "profile"):
        s["$ref"] = f"#/$defs/{kind}"
    elif kind == "strings":
        s.update({"type": "array", "items": {"type": "string"}})
    elif kind == "object":
        s["type"] = "object"
    elif kind == "objects":
        s.update({"type": "array", "items": {"type": "object"}})
    if "default" in read and read["default"] is not None:
        d = read["default"]
        s["default"] = f"{d:g}s" if kind in ("duration", "distribution") else d
    s["description"] = "..."
    return f'"{read["key"]}": {json.dumps(s)}'


def shape(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(v)]


# The JSON shapes each reader takes: a field read in one shape in one scenario and in
# another elsewhere (a client's "sessions": a number, or an object) may take both.
SHAPES = {"number": {"number"}, "integer": {"number"}, "integer_or_null": {"number", "null"}, "boolean": {"boolean"},
          "string": {"string"}, "choice": {"string"}, "duration": {"string", "number"},
          "distribution": {"string", "number", "object"}, "profile": {"number", "array"}, "strings": {"array"},
          "object": {"object"}, "objects": {"array"}}


def sample(read):
    """A value the reader takes, for inserting the field where it is absent."""
    kind, lo, hi = read["kind"], read.get("min"), read.get("max")
    if kind in ("number", "integer", "integer_or_null", "profile"):
        v = lo if lo is not None else (hi if hi is not None and hi < 1 else 1)
        if lo is not None and (hi is None or lo + 1 <= hi):
            v = lo + 1
        return int(v) if kind != "number" else v
    return {"boolean": False, "string": "x", "duration": f"{(lo or 0) + 1:g}s", "distribution": "1ms",
            "strings": [], "object": {}, "objects": []}.get(kind, read.get("choices", [None])[0] if kind == "choice" else None)


def probes(read):
    """(value, must the schema accept it?) for a field the loader reads as `read` says. The
    values near the lower bound are probed (a negative count, a zero where a positive is
    needed); a reader's upper bound is probed only when it is at most 1 (a fraction), its
    larger ones being sanity caps an editor need not repeat."""
    kind, lo, hi = read["kind"], read.get("min"), read.get("max")
    out = []
    if kind in ("number", "integer", "integer_or_null"):
        whole = kind != "number"
        step = 1 if whole else 0.5
        if lo is not None:
            inside = lo + step if hi is None or lo + step <= hi else lo
        else:
            inside = 1 if hi is None or hi >= 1 else hi
        out.append((int(inside) if whole else inside, True))
        if lo is not None and abs(lo) < 2 ** 52:
            out.append((int(lo - 1) if whole else lo - 0.5, False))
        if hi is not None and hi <= 1:
            out.append((int(hi + 1) if whole else hi + 0.5, False))
        if whole and (hi is None or inside + 0.5 < hi):
            out.append((inside + 0.5, False))
        out.append(("12", False))
        if kind == "integer_or_null":
            out.append((None, True))
    elif kind == "boolean":
        out += [(True, True), (False, True), ("true", False)]
    elif kind == "string":
        out += [(12, False), ({}, False)]
    elif kind == "choice":
        out += [(c, True) for c in read["choices"]] + [("no-such-choice", False), (1, False)]
    elif kind == "duration":
        low = lo or 0
        # A schema cannot compare "250ms" with a bound: only the shape and sign are probed.
        out += [(f"{low + 0.25:g}s", True), (low + 0.25, True), ("12 parsecs", False), ([], False), (-1, False)]
    elif kind == "distribution":
        out += [("5ms", True), ({"dist": "exponential", "mean": "10ms"}, True), ({"dist": "no-such"}, False), (True, False)]
    elif kind == "profile":
        v = lo if lo is not None else 1
        out += [(v, True), ([["0s", v], ["1m", v]], True), ("x", False)]
    elif kind == "strings":
        out += [("a", False), ([1], False)]
    elif kind == "object":
        out += [(5, False), ("x", False)]
    elif kind == "objects":
        out += [(5, False), ([5], False)]
    return out


def same_default(read, schema_default):
    d = read["default"]
    if read["kind"] in ("duration", "distribution"):
        sd = seconds(schema_default)
        return sd is not None and math.isclose(sd, d, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(d, (int, float)) and isinstance(schema_default, (int, float)):
        return math.isclose(d, schema_default, rel_tol=1e-12)
    return d == schema_default


def source_name(src):
    path, _, line = src.rpartition(":")
    path = re.sub(r"^(\.\./)+", "", path)
    if os.path.isabs(path):
        for top in ("/sim/", "/scenario/", "/lib/", "/models/", "/reports/", "/tools/"):
            if top in path:
                path = path[path.rindex(top) + 1:]
                break
    return f"{path}:{line}"


def corpus_values(docs):
    """A value each key has somewhere in the scenarios, to insert it elsewhere."""
    out = {}

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                out.setdefault(k, v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for d in docs:
        walk(d)
    return out


def run_loader(binary, files):
    r = subprocess.run([binary, "validate", "--fields", *files], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 2):
        sys.exit(f"check_schema: `{binary} validate --fields` failed (exit {r.returncode}): {r.stderr[-2000:]}")
    return {e["file"]: e for e in json.loads(r.stdout)}


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    binary = argv[1]
    schema = Schema(load(SCHEMA))
    # The shipped scenarios, and tests/schema/: scenarios that reach readers no shipped one
    # does (a field read only in some configurations), checked the same way.
    shipped = sorted(p for p in glob.glob(os.path.join(ROOT, "scenarios", "**", "*.json"), recursive=True)
                     if os.path.basename(p) != "schema.json")
    shipped += sorted(glob.glob(os.path.join(ROOT, "tests", "schema", "*.json")))
    bad = sorted(glob.glob(os.path.join(ROOT, "tests", "e2e", "bad", "*.json")))
    loader = run_loader(binary, shipped + bad)
    if "--list" in argv:
        print(json.dumps({os.path.relpath(f, ROOT): e["reads"] for f, e in loader.items()}, indent=1))
        return 0
    problems = []

    # 1. The verdicts agree.
    docs = {}
    for path in shipped:
        rel = os.path.relpath(path, ROOT)
        docs[path] = load(path)
        if not loader[path]["ok"]:
            problems.append(f"{rel}: the loader rejects it: {loader[path].get('error')}")
        for e in schema.errors(docs[path])[:5]:
            problems.append(f"{rel}: the schema rejects /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]} "
                            "(the loader accepts it: loosen the schema there)")
    for path in bad:
        rel, name = os.path.relpath(path, ROOT), os.path.basename(path)
        if loader[path]["ok"]:
            problems.append(f"{rel}: the loader accepts this bad-input case")
            continue
        try:
            doc = load(path)
        except json.JSONDecodeError:
            continue  # not JSON: both reject it (an editor flags the syntax error)
        errors = schema.errors(doc)
        if not errors and name not in SEMANTIC:
            problems.append(f"{rel}: the loader rejects it ({loader[path]['error']}) but the schema accepts it: "
                            "tighten the schema, or list it in SEMANTIC in tools/check_schema.py with the reason")
        elif errors and name in SEMANTIC:
            problems.append(f"{rel}: listed in SEMANTIC, but the schema rejects it now: remove it from SEMANTIC")

    # 2. and 3. Field by field, over the shipped scenarios (which both accept).
    offered = {}       # (object schema pointer, key) -> (file, instance pointer) where it applied
    read_at = set()    # (object schema pointer, key) read by the loader
    undeclared = {}    # (object schemas, key) -> (read, file, instance pointer): read, not declared
    typed = {}         # (field schema pointers, key) -> [(read, source, where)]
    for path in shipped:
        rel, doc = os.path.relpath(path, ROOT), docs[path]
        where = schema.applicable(doc)
        for ip, sps in where.items():
            for sp in sps:
                for key, sub in pointer_get(schema.root, sp).get("properties", {}).items():
                    if sub is not False:  # "key": false forbids the field there
                        offered.setdefault((sp, key), (path, ip))
        for read in loader[path]["reads"]:
            obj, key = read["object"], read["key"]
            sps = where.get(obj, [])
            for sp in sps:
                read_at.add((sp, key))
            fields = schema.field_schemas(sps, key)
            # "key": false (forbidden there) counts as undeclared: the loader must refuse it too.
            if not fields or any(pointer_get(schema.root, f) is False for f in fields):
                undeclared.setdefault((tuple(sps), key), (read, path, obj))
            elif read["kind"] not in UNTYPED:
                typed.setdefault((tuple(fields), key), []).append((read, source_name(read["source"]), f"{rel}: {obj or '/'}"))

    # A field the loader asks for but the schema does not declare is drift when the loader
    # takes it: present in a shipped scenario, or accepted once inserted with a value its
    # reader takes (a reader that asks only to refuse the field there, such as a client's
    # "pool", is not). A field the schema declares but the loader never read is drift when,
    # inserted where the schema allows it, the loader calls it unknown.
    mutations = []     # (doc, what to say if the loader accepts / calls it unknown, which way)
    for (sps, key), (read, path, obj) in undeclared.items():
        at = f"{os.path.relpath(path, ROOT)}: {obj or '/'}"
        place = f"the properties of #{sps[0]}" if sps else f"the schema of {obj or '/'} (none applies there)"
        message = (f"{source_name(read['source'])} reads \"{key}\" ({describe(read)}) at {at}, which "
                   f"scenarios/schema.json does not declare: add to {place}:\n      {suggestion(read)}")
        holder = pointer_get(docs[path], obj)
        if isinstance(holder, dict) and key in holder:
            problems.append(message)
            continue
        if (key, read["source"].rpartition(":")[0].rpartition("/")[2]) in LATER_CHECKS:
            continue
        value = sample(read)
        if value is None or not isinstance(holder, dict):
            continue
        doc = json.loads(json.dumps(docs[path]))
        pointer_get(doc, obj)[key] = value
        mutations.append((doc, message, "accepted"))
    examples = corpus_values(docs.values())
    for (sp, key), (path, ip) in sorted(offered.items()):
        if (sp, key) in read_at or key == "$schema":
            continue
        value = examples.get(key, schema.sample(f"{sp}/properties/{token(key)}"))
        doc = json.loads(json.dumps(docs[path]))
        holder = pointer_get(doc, ip)
        if key in holder:
            continue
        holder[key] = value
        message = (f"scenarios/schema.json declares \"{key}\" in #{sp}, but the loader refuses it there as an "
                   f"unknown field (tried at {os.path.relpath(path, ROOT)}: {ip or '/'}): remove it from the schema, "
                   "or read it in the model's Params reader")
        mutations.append((doc, message, f'unknown field "{key}"'))
    if mutations:
        with tempfile.TemporaryDirectory(prefix="check-schema-") as tmp:
            files = []
            for n, (doc, _, _) in enumerate(mutations):
                files.append(os.path.join(tmp, f"m{n}.json"))
                with open(files[-1], "w") as f:
                    json.dump(doc, f)
            verdicts = run_loader(binary, files)
            for f, (_, message, way) in zip(files, mutations):
                v = verdicts[f]
                if (way == "accepted" and v["ok"]) or (way != "accepted" and way in v.get("error", "")):
                    problems.append(message)

    # Types, units, ranges and choices, probed; defaults compared (`--add-defaults` writes the
    # missing ones into schema.json instead of failing).
    added = 0
    for (fields, key), seen in typed.items():
        shapes = set().union(*(SHAPES.get(r["kind"], set()) for r, _, _ in seen))
        # A range the reader computes from other fields (cores up to concurrency) differs
        # between scenarios: then only the type and the choices are probed.
        fixed_range = len({(r.get("min"), r.get("max")) for r, _, _ in seen}) == 1
        done = set()
        for read, src, at in seen:
            ident = (read["kind"], read.get("min"), read.get("max"), tuple(read.get("choices", [])))
            if ident in done:
                continue
            done.add(ident)
            if not fixed_range or (key, read["source"].rpartition("/")[2].partition(":")[0]) in LATER_CHECKS:
                read = {k: v for k, v in read.items() if k not in ("min", "max")}
            # A value of a shape another reading of the field takes is no wrong type.
            wrong = [(v, ok) for v, ok in probes(read)
                     if schema.accepts(v, list(fields)) != ok and (ok or shape(v) not in shapes - SHAPES[read["kind"]])]
            enums = schema.keyword(list(fields), "enum")
            extra = sorted({c for e in enums for c in e} - set(read.get("choices", []))) if read["kind"] == "choice" else []
            if wrong or extra:
                said = "; ".join(f"{json.dumps(v)} {'must pass' if ok else 'must fail'}" for v, ok in wrong)
                if extra:
                    said += ("; " if said else "") + f"the enum also allows {', '.join(extra)}, which the reader rejects"
                problems.append(f"{src} reads \"{key}\" {describe(read)}, but its schema #{fields[0]} differs "
                                f"({said}; at {at}): make it\n      {suggestion(read)}")
        # The schema's "default", where it states one, is the reader's; a default the reader
        # computes from other fields differs between scenarios and is left to the prose.
        given = [(r, src, at) for r, src, at in seen if r.get("default") is not None]
        if not given or len({json.dumps(r["default"]) for r, _, _ in given}) != 1:
            continue
        read, src, at = given[0]
        stated = schema.keyword(list(fields), "default")
        # A field whose default depends on a mode states it in each mode's branch: any agrees.
        if stated and not any(same_default(read, d) for d in stated):
            problems.append(f"{src} reads \"{key}\" with default {json.dumps(read['default'])}, but #{fields[0]} "
                            f"says \"default\": {json.dumps(stated[0])} (at {at}): make them agree")
        elif not stated and not sentinel(read):
            d = read["default"]
            value = f"{d:g}s" if read["kind"] in ("duration", "distribution") else d
            text = json.dumps(value)
            if "--add-defaults" in argv:
                target = pointer_get(schema.root, fields[0])
                if isinstance(target, dict):
                    target["default"] = value
                    added += 1
                continue
            problems.append(f"{src} reads \"{key}\" with default {json.dumps(d)}, which #{fields[0]} does not "
                            f"state (at {at}): add \"default\": {text}")

    if added:
        with open(SCHEMA, "w", encoding="utf-8") as f:
            f.write(json.dumps(schema.root, indent=1, ensure_ascii=False) + "\n")
        print(f"added {added} default(s) to scenarios/schema.json")
    # Object schemas no scenario reaches: their fields are checked by neither direction.
    reached = {sp for sp, _ in offered}
    unreached = sorted(sp for sp in schema.object_pointers() if sp not in reached)
    for sp in unreached:
        print(f"note #{sp} applies to nothing in the scenarios checked: a scenario in tests/schema/ would "
              "let its fields be checked")
    for p in problems:
        print("FAIL " + p)
    fields = sum(len(loader[p]["reads"]) for p in shipped)
    print(f"{len(shipped)} shipped scenarios and {len(bad)} bad-input cases; {fields} field reads checked; "
          f"{len(unreached)} object schema(s) not reached; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
