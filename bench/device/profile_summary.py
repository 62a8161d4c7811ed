"""Summarises the V8 CPU profiles of one process (node --cpu-prof writes one per thread: the
engine's thread and each worker), as text: per thread, the time it was idle and busy, and the
functions that took its busy time (self and inclusive). Used by bench/device/gpu.sh profile on the
lent GPU machine, whose results come back as a handful of files, not a folder of profiles.

    python3 bench/device/profile_summary.py DIR [TOP]
"""
import collections
import glob
import json
import os
import re
import sys


def summarise(path, top):
    profile = json.load(open(path))
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    self_time = collections.Counter()
    inclusive = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]["callFrame"]
        self_time[label(frame)] += delta
        seen = set()
        node = sample
        while node in nodes:
            key = label(nodes[node]["callFrame"])
            if key not in seen:
                inclusive[key] += delta
                seen.add(key)
            node = parent.get(node)
    wall = (profile["endTime"] - profile["startTime"]) / 1000
    idle = self_time["(idle)"] / 1000
    # The process's own thread ids are in the file name: CPU.date.time.pid.thread.seq.cpuprofile.
    match = re.search(r"\.(\d+)\.(\d+)\.\d+\.cpuprofile$", path)
    thread = match.group(2) if match else os.path.basename(path)
    lines = [f"thread {thread}: {wall:.0f} ms profiled, idle {idle:.0f} ms, busy {wall - idle:.0f} ms"]
    lines.append("  self ms  function")
    for key, us in self_time.most_common(top):
        if key != "(idle)":
            lines.append(f"  {us / 1000:7.1f}  {key}")
    lines.append("  inclusive ms  function")
    for key, us in inclusive.most_common(top + 2):
        if key not in ("(root)", "(idle)"):
            lines.append(f"  {us / 1000:7.1f}  {key}")
    return wall - idle, "\n".join(lines)


def label(frame):
    name = frame["functionName"] or "(anonymous)"
    url = frame["url"].rsplit("/", 1)[-1]
    return f"{name} {url}:{frame['lineNumber'] + 1}" if url else name


def main():
    folder = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    summaries = [summarise(p, top) for p in sorted(glob.glob(os.path.join(folder, "*.cpuprofile")))]
    if not summaries:
        sys.exit(f"profile_summary: no .cpuprofile files in {folder}")
    # Busiest threads first: the engine's thread and the workers that set the pace.
    for _, text in sorted(summaries, key=lambda s: -s[0]):
        print(text)
        print()


if __name__ == "__main__":
    main()
