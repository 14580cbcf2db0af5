"""How the work on hostile input grows with its size: each input of
tests/engine_messages/test_hostile_input.py read at 1x and 16x its size, CPU time, best of a
few runs, and the ratio (linear work: about 16; the old quadratic regexes: about 200).

    uv run python benchmarks/hostile_input.py

The unit tests check that these inputs are read right; the timing lives here because the
machine is shared and a timing can fail for reasons that are not the code's.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from esafety.engine.messages.checker import check_text  # noqa: E402
from esafety.engine.messages.message import html_to_text, parse_message  # noqa: E402
from tests.engine_messages.test_hostile_input import (  # noqa: E402
    HOSTILE_HTML,
    HOSTILE_MAIL,
    HOSTILE_PASTES,
    SMALL,
)

LINEAR_LIMIT = 40  # well over 16 (linear), far under quadratic's ~256

def best_time(func, arg, runs=7) -> float:
    best = float("inf")
    gc.disable()
    try:
        for _ in range(runs):
            start = time.thread_time()  # CPU time: waiting for a busy CPU does not count
            func(arg)
            best = min(best, time.thread_time() - start)
            if best > 1:
                break
    finally:
        gc.enable()
    return max(best, 1e-6)

def ratio(func, make) -> tuple[float, float]:
    func(make(SMALL))  # warm up
    small = best_time(func, make(SMALL))
    return small, best_time(func, make(16 * SMALL)) / small

def main() -> int:
    cases = [("html", name, html_to_text, make) for name, make in HOSTILE_HTML.items()]
    cases += [("mail", name, parse_message, (lambda m: lambda n: m(n * 5))(make))
              for name, make in HOSTILE_MAIL.items()]
    cases += [("draft", name,
               lambda text: check_text(text, sender_role="teacher", audience="parents"), make)
              for name, make in HOSTILE_PASTES.items()]
    print(f"{'kind':6} {'input':32} {'1x ms':>8} {'16x / 1x':>9}")
    worst = 0.0
    for kind, name, func, make in cases:
        small, r = ratio(func, make)
        worst = max(worst, r)
        flag = "" if r < LINEAR_LIMIT else "   NOT LINEAR"
        print(f"{kind:6} {name:32} {small * 1000:8.2f} {r:9.1f}{flag}")
    print(f"\nworst ratio {worst:.1f} (linear about 16; over {LINEAR_LIMIT} means a regression)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
