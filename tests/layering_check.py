#!/usr/bin/env python3
"""Checks the layering of archsim's sources by their #include "..." lines.

    sim/                 includes only sim/
    reports/             sim/ and reports/
    models/common/       sim/ and models/common/
    models/<family>/     sim/, models/common/ and models/<family>/
    models/register_builtin.*   sim/ and anything under models/

The CMake targets say the same (one library per family, linking archsim_sim and
archsim_common only), but a header-only dependency links without complaint: this test
catches it. Prints each offending file:line and exits 1; exits 0 when all is well.
Usage: layering_check.py [source root]  (default: the repository holding this script)
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
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


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
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
