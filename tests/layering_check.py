#!/usr/bin/env python3
"""Checks the layering of archsim's sources by their #include "..." lines.

    sim/                 includes only sim/
    reports/             sim/ and reports/
    models/common/       sim/ and models/common/
    models/<family>/     sim/, models/common/ and models/<family>/
    models/register_builtin.*   sim/ and anything under models/

and no file under models/ includes nlohmann/json.hpp (or any nlohmann header but
json_fwd.hpp): models read the scenario through sim/params.h's typed readers, and the
full JSON header is the heaviest include of the build.

The CMake targets say the same (one library per family, linking archsim_sim and
archsim_common only), but a header-only dependency links without complaint: this test
catches it. Prints each offending file:line and exits 1; exits 0 when all is well.
Usage: layering_check.py [source root]  (default: the repository holding this script)
       layering_check.py --self-test  (plants offending files in a scratch tree; each must be caught)
"""
import pathlib
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SYSTEM_INCLUDE = re.compile(r'^\s*#\s*include\s*<([^>]+)>')
JSON_FWD = "nlohmann/json_fwd.hpp"
SUFFIXES = {".h", ".hpp", ".cpp", ".cc", ".inc"}


def allowed(path: str) -> tuple[str, ...]:
    """The include prefixes a source file at `path` (relative, with '/') may use."""
    parts = path.split("/")
    if parts[0] == "sim":
        return ("sim/",)
    if parts[0] == "reports":
        return ("sim/", "reports/")
    if parts[0] == "models":
        if len(parts) == 2:  # models/register_builtin.{h,cpp}: the one place that sees every family
            return ("sim/", "models/")
        if parts[1] == "common":
            return ("sim/", "models/common/")
        return ("sim/", "models/common/", f"models/{parts[1]}/")
    raise ValueError(path)


def check(root: pathlib.Path) -> tuple[int, list[str]]:
    """(files checked, offences as file:line: reason)."""
    offences = []
    checked = 0
    for top in ("sim", "models", "reports"):
        for f in sorted((root / top).rglob("*")):
            if not f.is_file() or f.suffix not in SUFFIXES:
                continue
            rel = f.relative_to(root).as_posix()
            ok = allowed(rel)
            checked += 1
            for n, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and not m.group(1).startswith(ok):
                    offences.append(f"{rel}:{n}: includes \"{m.group(1)}\"; {rel.rsplit('/', 1)[0]}/ may include only "
                                    + ", ".join(ok))
                m = SYSTEM_INCLUDE.match(line)
                if m and top == "models" and m.group(1).startswith("nlohmann/") and m.group(1) != JSON_FWD:
                    offences.append(f"{rel}:{n}: includes <{m.group(1)}>; models read parameters through "
                                    f"sim/params.h (<{JSON_FWD}> at most)")
    return checked, offences


def self_test() -> int:
    """Each planted file must give exactly one offence; the clean ones none."""
    planted = {
        "models/queue/bad_json.cpp": "#include <nlohmann/json.hpp>\n",
        "models/common/bad_json.h": "  #  include <nlohmann/json.hpp>\n",
        "models/cache/bad_family.cpp": '#include "models/queue/queue.h"\n',
        "sim/bad_model.cpp": '#include "models/common/causes.h"\n',
        "reports/bad_model.cpp": '#include "models/service/service.h"\n',
    }
    clean = {
        "models/queue/fine.cpp": '#include <nlohmann/json_fwd.hpp>\n#include "sim/params.h"\n#include "models/common/causes.h"\n',
        "sim/fine.cpp": "#include <nlohmann/json.hpp>\n",
        "models/register_builtin.cpp": '#include "models/queue/queue.h"\n',
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for rel, text in {**planted, **clean}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        _, offences = check(root)
    failures = []
    for rel in planted:
        hits = [o for o in offences if o.startswith(rel + ":")]
        if len(hits) != 1:
            failures.append(f"{rel}: expected one offence, got {hits}")
    for rel in clean:
        hits = [o for o in offences if o.startswith(rel + ":")]
        if hits:
            failures.append(f"{rel}: expected none, got {hits}")
    for f in failures:
        print(f"layering self-test: {f}", file=sys.stderr)
    if not failures:
        print(f"layering self-test: {len(planted)} planted offences caught, {len(clean)} clean files pass")
    return 1 if failures else 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return self_test()
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    checked, offences = check(root)
    if checked == 0:
        print(f"layering: no sources found under {root}", file=sys.stderr)
        return 1
    for o in offences:
        print(o)
    if offences:
        print(f"layering: {len(offences)} include(s) cross a layer (see tests/layering_check.py)", file=sys.stderr)
        return 1
    print(f"layering: {checked} files, every include within its layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
