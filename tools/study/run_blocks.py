#!/usr/bin/env python3
"""Runs the shell blocks of a study (docs/studies/*.md) as a reader would, one by one.

A study shows each figure beside the command that made it, in ```sh blocks. This runs those
blocks with bash from a given folder, `archsim` on PATH being the given binary, and stops at
the first that fails, naming it. tools/study/charts.sh uses it to redraw a study's charts;
tests/tools/study_test.sh uses it to check that every command of a study still runs.

  run_blocks.py STUDY.md ARCHSIM_BIN WORKDIR [--only-charts] [--append ARG ...]

--only-charts   run only the blocks that draw a chart (those with a `gnuplot` line) and the
                blocks whose --out folders they read (the study's own order is kept).
--append ARGS   arguments added to every `archsim run` and `archsim compare` (the test
                shortens the runs with `--set duration=...`: it checks that the commands
                run, not the figures).
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile


def blocks(md_text):
    """The ```sh blocks of a markdown text, as (first line number, text)."""
    out, lines, start, inside = [], md_text.split("\n"), 0, None
    for i, line in enumerate(lines, 1):
        if inside is None and line.strip() == "```sh":
            inside, start = [], i + 1
        elif inside is not None and line.strip() == "```":
            out.append((start, "\n".join(inside)))
            inside = None
        elif inside is not None:
            inside.append(line)
    if inside is not None:
        raise SystemExit(f"{md_path}: a ```sh block opened at line {start - 1} is not closed")
    return out


def out_dirs(text):
    return set(re.findall(r"--out\s+(\S+)", text))


def chart_blocks(all_blocks):
    """The blocks that draw charts, and before them every block writing a folder they read."""
    charts = [b for b in all_blocks if re.search(r"^\s*gnuplot\b", b[1], re.M)]
    needed = set()
    for _, text in charts:
        needed |= set(re.findall(r"dir='([^']+)'", text))
    keep = [b for b in all_blocks if b in charts or out_dirs(b[1]) & needed]
    return keep


def wrapper(bin_dir, archsim, append):
    """An `archsim` on PATH: the binary, with `append` after the arguments of run and compare."""
    path = os.path.join(bin_dir, "archsim")
    extra = " ".join("'" + a.replace("'", "'\\''") + "'" for a in append)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
        f.write(f'case "$1" in run|compare) exec "{archsim}" "$@" {extra};; esac\n')
        f.write(f'exec "{archsim}" "$@"\n')
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def main(argv):
    global md_path
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    md_path, archsim, workdir = argv[1], os.path.abspath(argv[2]), argv[3]
    only_charts = "--only-charts" in argv
    append = argv[argv.index("--append") + 1:] if "--append" in argv else []
    with open(md_path) as f:
        found = blocks(f.read())
    if only_charts:
        found = chart_blocks(found)
    if not found:
        print(f"{md_path}: no ```sh block to run", file=sys.stderr)
        return 1
    bin_dir = tempfile.mkdtemp(prefix="study-bin-")
    try:
        wrapper(bin_dir, archsim, append)
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
        for line, text in found:
            print(f"== {md_path}:{line}", flush=True)
            r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=workdir, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            sys.stdout.write(r.stdout[-4000:])
            if r.returncode != 0:
                print(f"{md_path}:{line}: this block failed (exit {r.returncode}):\n{text}", file=sys.stderr)
                return 1
    finally:
        shutil.rmtree(bin_dir, ignore_errors=True)
    return 0


md_path = ""
if __name__ == "__main__":
    sys.exit(main(sys.argv))
