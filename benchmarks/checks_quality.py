"""Quality of the communication checks against alt-profanity-check and better-profanity.

    uv run python benchmarks/checks_quality.py [--data ../shared/data] [--json]

1. Offensive-text detection on the held-back 20% of OLID and of Davidson et al. (the part
   scripts/build_classifier.py never reads): precision, recall and F1 of `flagged` against
   the offensive labels, for esafety's classifier and both peers, in the same run.
2. Ordinary mail: the share of SpamAssassin easy-ham-2 and hard-ham-1 messages that get a
   content finding from `esafety check`'s engine (and that each peer would flag). The
   first half of easy-ham-2 (sorted by file name) was looked at while designing the
   mail-mode gate; the second half and hard-ham-1 were inspected only after the first
   benchmark run (see benchmarks/CHECKS.md): no ordinary-mail set here is untouched.
3. The Scunthorpe list and an obfuscation list: how many each tool gets right.

better-profanity takes about 30 ms per tweet and far longer per email, so it is scored on a
fixed sample (every k-th text, up to 1,000 per data set; the first 200 messages of each mail
folder); the sample sizes are printed with the figures.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from build_classifier import held_back, load_all  # noqa: E402

from esafety.engine.messages import checker  # noqa: E402
from esafety.engine.messages.checker import check_message, check_parsed  # noqa: E402
from esafety.engine.messages.classifier import default_classifier  # noqa: E402
from esafety.engine.messages.message import bulk_reason, parse_message  # noqa: E402

SCUNTHORPE = [
    "Scunthorpe United won 2-0 on Saturday", "The Year 7 trip to Sussex leaves at 8am",
    "The assessment window closes on Friday", "Pilots showed the pupils round the cockpit",
    "Sex education letters for Year 9 parents are attached",
    "We are raising money for breast cancer research", "Dick Whittington is this year's panto",
    "In biology lessons Year 10 label the penis, vagina and uterus",
    "We saw a great tit and a blue tit on the bird walk", "Homo sapiens evolved in Africa",
    "Please analyse the passage and assess its class structure",
    "Gay rights and LGBT History Month assembly", "Let's kill time before the bus arrives",
    "A suicide prevention charity is visiting the sixth form",
]
OBFUSCATED = [
    "f u c k this", "f.u.c.k off", "sh1t", "$h!t", "fuuuuuuck you", "ѕhіt",
    "ｆｕｃｋ", "fück", "f*ck off", "fu\u200bck", "you are a 1d10t", "n1gg3r", "b1tch",
    "a$$hole", "c*nt",
]


def _never_bulk(msg) -> str:
    return ""


def prf(pred, gold):
    tp = sum(1 for p, g in zip(pred, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(pred, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(pred, gold, strict=True) if not p and g)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "n": len(gold), "positives": sum(gold)}


SAMPLE_TEXTS = 1000
SAMPLE_MAIL = 200


def sample(items, limit):
    step = max(1, len(items) // limit)
    return items[::step][:limit]


def peers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from better_profanity import profanity
        from profanity_check import predict
    profanity.load_censor_words()
    return {
        "alt-profanity-check": lambda texts: [bool(x) for x in predict(list(texts))],
        "better-profanity": lambda texts: [profanity.contains_profanity(t) for t in texts],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.time()
    classifier = default_classifier()
    others = peers()
    results: dict = {"texts": {}, "mail": {}, "lists": {}}

    rows = [r for r in load_all(args.data / "text") if held_back(r[0], r[1])]
    for source in ("olid", "davidson"):
        subset = [r for r in rows if r[0] == source]
        texts = [r[2] for r in subset]
        gold = [bool(r[3]) for r in subset]
        entry = {"esafety": prf([classifier.classify(t).flagged for t in texts], gold)}
        entry["alt-profanity-check"] = prf(others["alt-profanity-check"](texts), gold)
        small = sample(list(range(len(texts))), SAMPLE_TEXTS)
        entry["better-profanity"] = prf(others["better-profanity"]([texts[i] for i in small]),
                                        [gold[i] for i in small])
        results["texts"][source] = entry

    mail_dir = args.data / "mail" / "spamassassin"
    easy = sorted((mail_dir / "easy-ham-2").iterdir())
    folders = {
        "easy-ham-2 (second half; inspected after the first run)": easy[len(easy) // 2:],
        "easy-ham-2 (all)": easy,
        "hard-ham-1": sorted((mail_dir / "hard-ham-1").iterdir()),
    }
    for label, files in folders.items():
        files = [f for f in files if f.is_file() and f.name != "cmds"]
        raws = [f.read_bytes() for f in files]
        content, by_rule = 0, {}
        texts = []
        bulk = personal = personal_content = as_personal = 0
        for raw in raws:
            verdict = check_message(raw)
            rules = {f.rule.id for f in verdict.findings if f.rule.id.startswith("content.")}
            content += bool(rules)
            for rule in rules:
                by_rule[rule] = by_rule.get(rule, 0) + 1
            if verdict.audience == "bulk":
                bulk += 1
            else:
                personal += 1
                personal_content += bool(rules)
            msg = parse_message(raw)
            texts.append(f"{msg.subject}\n{msg.body}")
            # What the rate would be if every message were read as personal mail (the
            # bulk bar switched off): how much of the figure the bulk reading accounts for.
            checker.bulk_reason = _never_bulk
            try:
                as_personal += any(f.rule.id.startswith("content.")
                                   for f in check_parsed(msg).findings)
            finally:
                checker.bulk_reason = bulk_reason
        entry = {"messages": len(raws), "esafety": round(content / len(raws), 4),
                 "esafety_by_rule": by_rule, "read as bulk": bulk,
                 "personal": personal, "personal with a content finding": personal_content,
                 "esafety, every message read as personal mail": round(
                     as_personal / len(raws), 4)}
        entry["alt-profanity-check"] = round(
            sum(others["alt-profanity-check"](texts)) / len(texts), 4)
        few = texts[:SAMPLE_MAIL]
        entry["better-profanity"] = round(sum(others["better-profanity"](few)) / len(few), 4)
        entry["better-profanity sample"] = len(few)
        results["mail"][label] = entry

    for label, texts, want in (("scunthorpe", SCUNTHORPE, False),
                               ("obfuscated", OBFUSCATED, True)):
        entry = {"esafety": sum(classifier.classify(t).flagged == want for t in texts)}
        for name, predict in others.items():
            entry[name] = sum(p == want for p in predict(texts))
        entry["of"] = len(texts)
        results["lists"][label] = entry
    results["seconds"] = round(time.time() - started, 1)

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    tools = ["esafety", "alt-profanity-check", "better-profanity"]
    print("## Offensive text, held-back 20% (never used for building or tuning)\n")
    print("| data | tool | precision | recall | F1 |")
    print("| --- | --- | --- | --- | --- |")
    for source, entry in results["texts"].items():
        n = entry["esafety"]["n"]
        for tool in tools:
            e = entry[tool]
            print(f"| {source} ({e['n']} of {n} texts) | {tool} | {e['precision']:.3f} | "
                  f"{e['recall']:.3f} | {e['f1']:.3f} |")
    print("\n## Ordinary mail with a content finding (lower is better)\n")
    print("| mail | messages | esafety | alt-profanity-check | better-profanity |")
    print("| --- | --- | --- | --- | --- |")
    for label, entry in results["mail"].items():
        print(f"| {label} | {entry['messages']} | {entry['esafety']:.2%} | "
              f"{entry['alt-profanity-check']:.2%} | {entry['better-profanity']:.2%} "
              f"(first {entry['better-profanity sample']}) |")
    for label, entry in results["mail"].items():
        print(f"\nesafety content findings in {label}: {entry['esafety_by_rule']}")
        print(f"  read as bulk mail: {entry['read as bulk']}; personal mail: "
              f"{entry['personal']}, of which {entry['personal with a content finding']} "
              f"with a content finding; with every message read as personal mail (bulk "
              f"bar off): {entry['esafety, every message read as personal mail']:.2%}")
    print("\n## Word lists (right answers)\n")
    print("| list | esafety | alt-profanity-check | better-profanity |")
    print("| --- | --- | --- | --- |")
    for label, entry in results["lists"].items():
        print(f"| {label} (of {entry['of']}) | {entry['esafety']} | "
              f"{entry['alt-profanity-check']} | {entry['better-profanity']} |")
    print(f"\n({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
