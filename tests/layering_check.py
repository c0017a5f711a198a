#!/usr/bin/env python3
"""Checks the layering of archsim's sources by their #include "..." lines, floor by floor:

    sim/                 the kernel: sim/ only (never scenario/: it is built through the
                         scenario layer, which names its types only by declaration)
    scenario/            sim/, scenario/: Params, the scenario file, errors, building a Simulation
    lib/                 lib/ and, of sim/, only time.h, random.h and the two containers ring.h
                         and huge_pages.h, which include nothing of the project: algorithms on
                         time and random numbers, testable on their own
    models/contracts/    sim/, scenario/, lib/, models/contracts/: what families agree on
    models/server/       those and models/server/: the server pool, call policies, connections,
                         security
    models/<family>/     those and models/<family>/, never another family
    models/register_builtin.*   sim/, scenario/, lib/ and anything under models/
    reports/             sim/, scenario/ and reports/

and no file under models/ or lib/ includes nlohmann/json.hpp (or any nlohmann header but
json_fwd.hpp): models read the scenario through scenario/params.h's typed readers, and the
full JSON header is the heaviest include of the build.

The CMake targets say the same (archsim_sim, archsim_scenario, archsim_lib,
archsim_contracts, archsim_server, one library per family), but a header-only dependency
links without complaint: this test catches it. Prints each offending file:line and exits 1;
exits 0 when all is well.
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


LIB_FROM_SIM = ("sim/time.h", "sim/random.h", "sim/ring.h", "sim/huge_pages.h")
FLOORS = ("sim/", "scenario/", "lib/", "models/contracts/")  # what every model may include


def allowed(path: str) -> tuple[str, ...]:
    """The include prefixes a source file at `path` (relative, with '/') may use."""
    parts = path.split("/")
    if parts[0] == "sim":
        return ("sim/",)
    if parts[0] == "scenario":
        return ("sim/", "scenario/")
    if parts[0] == "lib":
        return ("lib/",) + LIB_FROM_SIM
    if parts[0] == "reports":
        return ("sim/", "scenario/", "reports/")
    if parts[0] == "models":
        if len(parts) == 2:  # models/register_builtin.{h,cpp}: the one place that sees every family
            return ("sim/", "scenario/", "lib/", "models/")
        if parts[1] == "contracts":
            return FLOORS
        return FLOORS + ("models/server/",) + ((f"models/{parts[1]}/",) if parts[1] != "server" else ())
    raise ValueError(path)


def check(root: pathlib.Path) -> tuple[int, list[str]]:
    """(files checked, offences as file:line: reason)."""
    offences = []
    checked = 0
    for top in ("sim", "scenario", "lib", "models", "reports"):
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
                if m and top in ("models", "lib") and m.group(1).startswith("nlohmann/") and m.group(1) != JSON_FWD:
                    offences.append(f"{rel}:{n}: includes <{m.group(1)}>; models read parameters through "
                                    f"scenario/params.h (<{JSON_FWD}> at most)")
    return checked, offences


def self_test() -> int:
    """Each planted file must give exactly one offence; the clean ones none."""
    planted = {
        "models/queue/bad_json.cpp": "#include <nlohmann/json.hpp>\n",
        "models/contracts/bad_json.h": "  #  include <nlohmann/json.hpp>\n",
        "lib/bad_json.h": "#include <nlohmann/json.hpp>\n",
        "models/cache/bad_family.cpp": '#include "models/queue/queue.h"\n',
        "sim/bad_model.cpp": '#include "models/contracts/causes.h"\n',
        "sim/bad_scenario.cpp": '#include "scenario/params.h"\n',
        "scenario/bad_model.cpp": '#include "models/server/instance_types.h"\n',
        "lib/bad_kernel.h": '#include "sim/context.h"\n',
        "lib/bad_scenario.h": '#include "scenario/params.h"\n',
        "lib/bad_contract.h": '#include "models/contracts/capabilities.h"\n',
        "models/contracts/bad_server.h": '#include "models/server/pool/server_pool.h"\n',
        "models/server/bad_family.h": '#include "models/service/service.h"\n',
        "reports/bad_model.cpp": '#include "models/service/service.h"\n',
    }
    clean = {
        "models/queue/fine.cpp": ('#include <nlohmann/json_fwd.hpp>\n#include "scenario/params.h"\n'
                                  '#include "models/contracts/causes.h"\n#include "models/server/pool/server_pool.h"\n'
                                  '#include "lib/picker/picker.h"\n'),
        "models/server/fine.h": '#include "models/contracts/capabilities.h"\n#include "lib/resilience/backoff.h"\n',
        "lib/fine.h": '#include "sim/time.h"\n#include "sim/random.h"\n#include "lib/hash/digests.h"\n',
        "scenario/fine.cpp": '#include "sim/context.h"\n#include <nlohmann/json.hpp>\n',
        "sim/fine.cpp": "#include <nlohmann/json_fwd.hpp>\n",
        "reports/fine.cpp": '#include "scenario/params.h"\n',
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
