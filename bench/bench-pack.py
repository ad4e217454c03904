#!/usr/bin/python3
# bench/bench-pack.py
# Copyright 2026 The AtomForm Connect Authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Speed and memory of `pack` and `inspect`, reported as ratios against
# baselines measured in the same run on the same machine, never as absolute
# times a test could flake on:
#
#   pack 200 MB G-code      vs  zip -6 of the same file   (wall time, peak RSS)
#   inspect 200 MB G-code   vs  inspect a 1 MB file        (should be near 1)
#
# usage: bench-pack.py ATOMFORM_CONNECT CORPUS_GCODE [--size-mb N] [--runs N] [--workdir DIR]

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def make_gcode(source, path, size):
    """Keeps the source's head and tail (where metadata lives) and repeats
    its moves in between until the file is `size` bytes."""
    with open(source, "rb") as f:
        data = f.read()
    start = data.find(b"; EXECUTABLE_BLOCK_START")
    end = data.rfind(b"; EXECUTABLE_BLOCK_END")
    if start < 0 or end < 0:
        start, end = len(data) // 4, len(data) * 3 // 4
    head, moves, tail = data[:start], data[start:end], data[end:]
    moves = moves[moves.find(b"\n") + 1:]
    with open(path, "wb") as out:
        out.write(head)
        written = len(head) + len(tail)
        while written + len(moves) < size:
            out.write(moves)
            written += len(moves)
        out.write(moves[:max(0, size - written)].rsplit(b"\n", 1)[0] + b"\n")
        out.write(tail)


def run(argv):
    """Runs argv and returns (wall seconds, peak RSS in KiB) of that child alone."""
    begin = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - begin
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr.read().decode(errors='replace')}")
    proc.stderr.close()
    return wall, usage.ru_maxrss


def median_of(runs, argv, cleanup=None):
    walls, rss = [], []
    for _ in range(runs):
        if cleanup:
            cleanup()
        wall, peak = run(argv)
        walls.append(wall)
        rss.append(peak)
    return statistics.median(walls), max(rss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("exe")
    parser.add_argument("source")
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="af-bench-", dir=args.workdir)
    try:
        big = os.path.join(work, "big.gcode")
        small = os.path.join(work, "small.gcode")
        make_gcode(args.source, big, args.size_mb * 1024 * 1024)
        make_gcode(args.source, small, 1024 * 1024)
        out = os.path.join(work, "big.gcode.3mf")
        zipped = os.path.join(work, "big.zip")

        def remove_outputs():
            for path in (out, zipped):
                if os.path.exists(path):
                    os.unlink(path)

        pack_wall, pack_rss = median_of(args.runs, [args.exe, "pack", big, "-o", out], remove_outputs)
        zip_wall, zip_rss = median_of(args.runs, ["zip", "-6", "-q", "-j", zipped, big], remove_outputs)
        big_wall, big_rss = median_of(args.runs * 2, [args.exe, "inspect", big])
        small_wall, small_rss = median_of(args.runs * 2, [args.exe, "inspect", small])

        print(f"G-code: {args.size_mb} MB made from {os.path.basename(args.source)}; "
              f"median of {args.runs} runs")
        print(f"pack vs zip -6, wall time:      {pack_wall / zip_wall:6.2f}  "
              f"({pack_wall:.2f} s vs {zip_wall:.2f} s)")
        print(f"pack vs zip -6, peak memory:    {pack_rss / zip_rss:6.2f}  "
              f"({pack_rss / 1024:.1f} MiB vs {zip_rss / 1024:.1f} MiB)")
        print(f"inspect 200 MB vs 1 MB, time:   {big_wall / small_wall:6.2f}  "
              f"({big_wall * 1000:.0f} ms vs {small_wall * 1000:.0f} ms)")
        print(f"inspect 200 MB vs 1 MB, memory: {big_rss / small_rss:6.2f}  "
              f"({big_rss / 1024:.1f} MiB vs {small_rss / 1024:.1f} MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
