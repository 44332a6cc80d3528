#!/usr/bin/env python3
"""The cost of --live: a step's send rate with the view against without it.

Runs the step unpaced on the embedded broker, with and without --live, interleaved
(with, without, with, ...), each on an 80x24 pseudo-terminal (util-linux's `script`),
so the view is really drawn. Reads msg/s from each run's summary line, and prints the
median ratio (with / without) with its spread.

    cargo build --release -p step-01-fire-and-forget
    python3 bench/live-overhead.py target/release/step-01-fire-and-forget --count 300000
With --lines-into-a-pipe, the run without the view prints its lines into a pipe
instead of the terminal, which costs it far less: the view against a step that pays
almost nothing for its output.
"""
import re
import statistics
import subprocess
import sys


def rate(binary, extra, live, on_terminal=True):
    flags = f"--rate 0 {' '.join(extra)} {'--live' if live else ''}"
    if on_terminal:
        command = f"stty cols 80 rows 24; {binary} {flags}"
        output = subprocess.run(
            ["script", "-qec", command, "/dev/null"], capture_output=True, text=True, check=True
        ).stdout
    else:
        command = f"{binary} {flags}"
        output = subprocess.run(command.split(), capture_output=True, text=True, check=True).stdout
    found = re.search(r"📈 Summary: .*\| ([0-9.]+) msg/s", output)
    if not found:
        sys.exit(f"no summary in the output of {command!r}")
    return float(found.group(1))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary, extra = sys.argv[1], sys.argv[2:]
    plain_on_terminal = "--lines-into-a-pipe" not in extra
    extra = [a for a in extra if a != "--lines-into-a-pipe"]
    repeat = 5
    ratios, with_live, without = [], [], []
    for _ in range(repeat):
        live_rate = rate(binary, extra, True)
        plain_rate = rate(binary, extra, False, plain_on_terminal)
        with_live.append(live_rate)
        without.append(plain_rate)
        ratios.append(live_rate / plain_rate)
    def summary(values):
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"
    print(f"with --live:    {summary(with_live)} msg/s")
    print(f"without:        {summary(without)} msg/s")
    print(f"with / without: {summary(ratios)}, per pair: {', '.join(f'{r:.2f}' for r in ratios)}")


main()
