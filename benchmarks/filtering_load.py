"""How long esafety takes to read all of UT1, compile it, and load the compiled snapshot.

    uv run python benchmarks/filtering_load.py

Each step runs in a fresh interpreter so the timings include nothing cached; peak memory
is the process's own high-water mark (VmHWM).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UT1 = REPO.parent / "shared" / "data" / "urls" / "ut1"

STEP = r"""
import resource, sys, time
t0 = time.perf_counter()
from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.snapshot import compile_lists, load_snapshot, write_snapshot
if sys.argv[1] == "compile":
    t = time.perf_counter(); report = read_lists(sys.argv[2]); read_s = time.perf_counter() - t
    t = time.perf_counter(); lists = compile_lists(report); compile_s = time.perf_counter() - t
    t = time.perf_counter(); write_snapshot(lists, sys.argv[3]); write_s = time.perf_counter() - t
    print(f"read {report.domain_count:,} domains + {report.url_count:,} urls: {read_s:.2f} s; "
          f"compile: {compile_s:.2f} s; write snapshot: {write_s:.2f} s; "
          f"total {read_s + compile_s + write_s:.2f} s")
else:
    t = time.perf_counter(); lists = load_snapshot(sys.argv[3]); load_s = time.perf_counter() - t
    print(f"load snapshot ({lists.stats()['domains']:,} distinct domains): {load_s:.2f} s")
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM"))
print(f"  peak memory {peak / 1024:.0f} MB; interpreter + imports "
      f"{time.perf_counter() - t0:.2f} s in all")
"""


def main() -> int:
    if not UT1.is_dir():
        raise SystemExit(f"UT1 lists not found at {UT1}")
    with tempfile.TemporaryDirectory() as tmp:
        snap = str(Path(tmp) / "lists.snap")
        for step in ("compile", "load"):
            subprocess.run([sys.executable, "-c", STEP, step, str(UT1), snap], check=True,
                           cwd=REPO)
        print(f"snapshot size: {Path(snap).stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
