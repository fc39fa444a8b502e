#!/usr/bin/env python3
"""Runs benchmark commands in interleaved rounds (A B C A B C ...) and prints medians and ratios: the driver of
bench/peers_*.sh. Standard library only.

    peers_rounds.py --rounds N [--title T] [--ratio A:B ...] [--json OUT] NAME=COMMAND ...

Every COMMAND is a shell command whose last output line is a JSON object with latency_ms.median and, if it can
measure it, cpu_ms.median (`liteopt bench --json`, bench/peers/ort_bench.mjs, bench/torch_peer.py bench). Each
round starts every command afresh, so a busy moment of the shared host hits all of them alike. The table shows,
per command, the median and the minimum over rounds of the per-round median latency, and the median CPU time per
call; `--ratio A:B` adds the ratio A / B of those medians (below 1: A is faster).
"""
import argparse, json, statistics, subprocess, sys, time


def run(cmd):
    """Latency and CPU medians from the command's JSON: all of stdout (`liteopt bench --json` pretty-prints one
    object) or else its last line."""
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"peers_rounds: command failed ({p.returncode}): {cmd}\n{p.stderr[-2000:]}")
    try:
        j = json.loads(p.stdout)
    except json.JSONDecodeError:
        lines = p.stdout.strip().splitlines()
        try:
            j = json.loads(lines[-1]) if lines else None
        except json.JSONDecodeError:
            j = None
    if not isinstance(j, dict) or "latency_ms" not in j:
        sys.exit(f"peers_rounds: no JSON with latency_ms from: {cmd}\n{p.stdout[-1000:]}")
    return j["latency_ms"]["median"], (j.get("cpu_ms") or {}).get("median")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--title", default="")
    ap.add_argument("--ratio", action="append", default=[], help="A:B, adds median(A) / median(B)")
    ap.add_argument("--json", help="write the raw round figures here")
    ap.add_argument("commands", nargs="+", help="NAME=COMMAND")
    args = ap.parse_args()
    cmds = []
    for c in args.commands:
        name, sep, cmd = c.partition("=")
        if not sep:
            sys.exit(f"peers_rounds: expected NAME=COMMAND, got {c!r}")
        cmds.append((name, cmd))
    wall = {n: [] for n, _ in cmds}
    cpu = {n: [] for n, _ in cmds}
    load = []
    for r in range(args.rounds):
        for name, cmd in cmds:
            w, c = run(cmd)
            wall[name].append(w)
            if c is not None:
                cpu[name].append(c)
        with open("/proc/loadavg") as f:
            load.append(float(f.read().split()[0]))
        print(f"peers_rounds: round {r + 1}/{args.rounds} done (load average {load[-1]:.1f})", file=sys.stderr)

    med = {n: statistics.median(v) for n, v in wall.items()}
    cpu_med = {n: statistics.median(v) if v else None for n, v in cpu.items()}
    if args.title:
        print(f"\n{args.title}")
    print(f"{args.rounds} interleaved rounds, {time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{min(load):.1f}-{max(load):.1f}\n")
    print("| run | median ms | min ms | CPU ms per call |")
    print("|---|---:|---:|---:|")
    for n, _ in cmds:
        c = f"{cpu_med[n]:.3f}" if cpu_med[n] is not None else "—"
        print(f"| {n} | {med[n]:.3f} | {min(wall[n]):.3f} | {c} |")
    if args.ratio:
        print("\n| ratio | wall (median) | CPU |")
        print("|---|---:|---:|")
        for spec in args.ratio:
            a, _, b = spec.partition(":")
            if a not in med or b not in med:
                sys.exit(f"peers_rounds: --ratio {spec}: unknown name")
            rc = f"{cpu_med[a] / cpu_med[b]:.2f}" if cpu_med[a] and cpu_med[b] else "—"
            print(f"| {a} / {b} | {med[a] / med[b]:.2f} | {rc} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": args.rounds, "load": load, "wall_ms": wall, "cpu_ms": cpu}, f, indent=1)


if __name__ == "__main__":
    main()
