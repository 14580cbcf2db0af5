"""Speed of the communication checks, with alt-profanity-check in the same run.

    uv run python benchmarks/checks_speed.py [--data ../shared/data] [--rounds 3]

- Messages per second through the full rulebook (`esafety check`'s engine: parse, every
  rule, the classifier) over the SpamAssassin folders, one process, one core, files read
  into memory first (so disk speed is not measured).
- Short texts per second through the classifier: in process with the batch API
  (`classify_many`, chunks of 2,000 texts: one pure Python + numpy path, no compiled
  code) and with one `classify()` call per text, and
  end to end through `esafety classify` (JSON lines in and out, process start included;
  the texts five times over, and once, when every word is new to the process);
  alt-profanity-check on the same texts with its batch `predict_prob`.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from build_classifier import held_back, load_all  # noqa: E402

from esafety.engine.messages.checker import check_message  # noqa: E402
from esafety.engine.messages.classifier import default_classifier  # noqa: E402


def best_of(rounds: int, func) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    except (AttributeError, OSError):
        pass

    print("| what | items | items per second |")
    print("| --- | --- | --- |")
    mail_dir = args.data / "mail" / "spamassassin"
    all_raws = []
    for folder in ("easy-ham-2", "hard-ham-1", "spam-2"):
        files = sorted(p for p in (mail_dir / folder).iterdir()
                       if p.is_file() and p.name != "cmds")
        raws = [p.read_bytes() for p in files]
        all_raws += raws
        check_message(raws[0])  # load the rulebook and model outside the timing
        seconds = best_of(args.rounds, lambda raws=raws: [check_message(r) for r in raws])
        print(f"| esafety check engine, {folder} | {len(raws)} | {len(raws) / seconds:,.0f} |")
    seconds = best_of(args.rounds, lambda: [check_message(r, sender_role="teacher")
                                            for r in all_raws])
    print(f"| esafety check engine, all three as staff mail (every rule) | {len(all_raws)} | "
          f"{len(all_raws) / seconds:,.0f} |")

    texts = [r[2] for r in load_all(args.data / "text") if held_back(r[0], r[1])]
    classifier = default_classifier()
    # The batch API as `esafety classify` uses it: chunks of 2,000 texts.
    seconds = best_of(args.rounds, lambda: [classifier.classify_many(texts[i:i + 2000])
                                            for i in range(0, len(texts), 2000)])
    print(f"| esafety classifier, in process (held-back tweets), batch | {len(texts)} | "
          f"{len(texts) / seconds:,.0f} |")
    seconds = best_of(args.rounds, lambda: [classifier.classify(t) for t in texts])
    print(f"| esafety classifier, in process, one classify() call per text | {len(texts)} | "
          f"{len(texts) / seconds:,.0f} |")

    env = dict(os.environ)
    # Each text five times (a long run: the per-word memories fill), and once (every word
    # is new to the process: what a short run over unseen text costs).
    for copies, what in ((5, "end to end incl. start-up"),
                         (1, "end to end, each text once (every word new to it)")):
        stdin = "".join(json.dumps({"id": i, "text": t}) + "\n"
                        for i, t in enumerate(texts * copies))
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "esafety", "classify"],
                                input=stdin.encode(), capture_output=True, env=env, check=True)
        seconds = time.perf_counter() - started
        lines = result.stdout.count(b"\n")
        print(f"| esafety classify command, {what} | {lines} | {lines / seconds:,.0f} |")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "esafety", "classify"], input=b"", check=True)
    print(f"| esafety classify start-up (empty input), seconds | 1 | "
          f"{time.perf_counter() - started:.2f} s |")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from profanity_check import predict_prob
        predict_prob(["warm up"])
        seconds = best_of(args.rounds, lambda: predict_prob(texts))
    print(f"| alt-profanity-check predict_prob, batch (same tweets) | {len(texts)} | "
          f"{len(texts) / seconds:,.0f} |")
    seconds = best_of(1, lambda: [predict_prob([t]) for t in texts[:2000]])
    print(f"| alt-profanity-check predict_prob, one text at a time | 2000 | "
          f"{2000 / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
