"""Quality of the communication checks against alt-profanity-check, better-profanity and a
plain TF-IDF + logistic regression baseline, in one run.

    uv run python benchmarks/checks_quality.py [--data ../shared/data] [--json] [--no-mail]

1. The held-back 20% of OLID, Davidson et al. and HateXplain (the part
   scripts/build_classifier.py never reads): per category precision, recall, F1 and average
   precision where the set labels the category (`abuse` and `flagged` against offensive;
   `discrimination` against hate speech, with its ROC AUC), for esafety; `flagged` for the
   peers and the baseline (TF-IDF word 1-2-grams + logistic regression trained on OLID's
   building part, cut at 0.5).
2. The held-back school messages (benchmarks/checks_fixtures.yaml, never read by the
   build): per category, and the share of ordinary messages flagged.
3. self-harm-dev.csv (no licence: measured here, used to choose the self-harm threshold
   only, never trained on): recall of `self_harm` >= 0.5 and at the rulebook's threshold,
   the share of its ordinary posts at or above them, the share flagged at all, and the
   best threshold with at most 5% of ordinary posts above it; the same for its two halves
   (unique texts split by a hash of the text: A is read when tuning, B only reported).
   Also the hand-written plans and means (benchmarks/plans_probes*.yaml: a method sought,
   a date chosen, the means got hold of, and ordinary messages with the same words): the
   share of each list at `self_harm` >= 0.5 and flagged at all. And ordinary school
   messages (benchmarks/school_ordinary.yaml: staff, pupils, parents): how many are flagged,
   by esafety and the peers. And question-and-answer posts like teenagers' (benchmarks/
   qa_posts*.yaml, two hands): `flagged` against bullying, and the share flagged, with the
   peers. And
   aggressive comments (benchmarks/aggression_probes*.yaml: overt, covert, ordinary):
   `flagged` with the peers; and hate without slurs (benchmarks/hate_probes.yaml: forum
   sentences, tweets against women and immigrants): `discrimination`'s ROC AUC. And short
   chat messages (benchmarks/short_probes*.yaml, 1 to 8 words): `flagged` against abuse and
   threats, and the share of ordinary ones and of friendly swearing flagged. And pupils
   telling staff of harm (benchmarks/telling*_probes*.yaml, and the held-back fifth of the
   build's own tellings, scripts/classifier_data/telling.yaml), through the mail filter's
   decision: the share delivered and the share told to the designated safeguarding lead,
   and of the ordinary ones the share held or told; the peers' share flagged beside. And
   extremism in young people's words (benchmarks/extremism_probes*.yaml, and the held-back
   fifth of scripts/classifier_data/extremism.yaml): the share given `extremism` and
   flagged, of the extremist and of the ordinary ones, with the peers' share flagged; and
   threats between pupils (benchmarks/threats_probes.yaml): the same with `violence`.
4. Reliability: per category, the model's calibrated probability against the observed rate
   in bins, on the held-back data.
5. Ordinary mail (SpamAssassin easy-ham-2, hard-ham-1): the share with a content finding
   from `esafety check`'s engine (and that each peer flags); the Scunthorpe and
   obfuscation lists.

better-profanity takes about 30 ms per tweet and far longer per email, so it is scored on a
fixed sample (every k-th text, up to 1,000 per data set; the first 200 messages of each mail
folder); the sample sizes are printed with the figures.
"""

import argparse
import csv
import hashlib
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from build_classifier import held_back, load_all  # noqa: E402

from esafety.engine.messages import checker  # noqa: E402
from esafety.engine.messages.checker import check_message, check_parsed  # noqa: E402
from esafety.engine.messages.classifier import default_classifier  # noqa: E402
from esafety.engine.messages.message import bulk_reason, parse_message  # noqa: E402
from esafety.engine.messages.normalise import tokens  # noqa: E402

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


def ranking(scores, gold) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    if not any(gold) or all(gold):
        return {}
    return {"ap": round(float(average_precision_score(gold, scores)), 3),
            "roc_auc": round(float(roc_auc_score(gold, scores)), 3)}


def category_figures(results, category, gold, thresholds) -> dict:
    scores = [r.categories[category] for r in results]
    entry = prf([s >= thresholds[category] for s in scores], gold)
    entry.update(ranking(scores, gold))
    return entry


def reliability(probabilities, gold, bins=5) -> dict:
    """Mean predicted probability against the observed rate, in equal-width bins, and the
    expected calibration error."""
    p, y = np.asarray(probabilities), np.asarray(gold, dtype=float)
    rows, ece = [], 0.0
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = (p >= lo) & ((p < hi) if i < bins - 1 else (p <= hi))
        if inside.any():
            rows.append((f"{lo:.1f}-{hi:.1f}", int(inside.sum()), round(float(p[inside].mean()), 3),
                         round(float(y[inside].mean()), 3)))
            ece += inside.sum() / len(p) * abs(p[inside].mean() - y[inside].mean())
    return {"bins": rows, "ece": round(float(ece), 3), "n": len(p)}


def baseline(rows):
    """TF-IDF (word 1-2-grams) + logistic regression trained on OLID's building part."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = [r for r in rows if r[0] == "olid" and not held_back(r[0], r[1])]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(max_iter=2000, class_weight="balanced")
    model.fit(vec.fit_transform([r[2] for r in train]), [r[3]["abuse"] for r in train])
    return lambda texts: [bool(p >= 0.5) for p in
                          model.predict_proba(vec.transform(list(texts)))[:, 1]]


def _pupil_to_teacher():
    """decide(text) -> (delivered, told to the DSL) for a pupil's message to their teacher,
    as the mail filter decides it (esafety/mailfilter/engine.py) with a school of two."""
    import tempfile

    from esafety.checks.concern_rules import CONCERN_RULES
    from esafety.mailfilter import engine

    pupil, teacher = "pip@hollinspark.sch.uk", "tom@hollinspark.sch.uk"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / engine.SNAPSHOT_FILE
        path.write_text(json.dumps(engine.snapshot_document(
            school="hollins-park", school_name="Hollins Park School", version="1",
            domains=["hollinspark.sch.uk"], members=[(teacher, "Tom Teach", "teacher"),
                                                     (pupil, "Pip Pupil", "pupil")],
            approved={}, correspondents=[], staff_fail_open=False, trusted_authserv=[],
            who_can_approve="Mr Teach", postmaster="")))
        snapshot = engine.load(path)

    def decide(text: str) -> tuple[bool, bool]:
        raw = (f"From: {pupil}\nTo: {teacher}\nSubject: message\n"
               f"Content-Type: text/plain; charset=utf-8\n\n{text}\n").encode()
        decision = engine.decide(snapshot, pupil, [teacher], raw)
        return (decision.outcome == engine.PASS,
                any(f.rule.id in CONCERN_RULES for f in decision.verdict.findings))
    return decide


# The peers quick enough to read every text of a set (better-profanity, at 30 ms a text, is
# read only on the offensive sets' first thousand and the first mails)
QUICK_PEERS = ("alt-profanity-check", "TF-IDF + LR (OLID)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-mail", action="store_true", help="skip the mail folders")
    args = parser.parse_args(argv)
    started = time.time()
    classifier = default_classifier()
    thresholds = classifier.thresholds
    others = peers()
    all_rows = load_all(args.data / "text")
    others["TF-IDF + LR (OLID)"] = baseline(all_rows)
    tools = ["esafety", "alt-profanity-check", "better-profanity", "TF-IDF + LR (OLID)"]
    results: dict = {"thresholds": thresholds, "texts": {}, "fixtures": {}, "self_harm_dev": {},
                     "plans": {}, "school": {}, "qa": {}, "aggression": {}, "short": {}, "hate": {},
                     "extremism": {}, "threats": {},
                     "telling": {}, "reliability": {}, "mail": {}, "lists": {}}

    rows = [r for r in all_rows if held_back(r[0], r[1])]
    model = classifier.model
    model_p = {}
    for source in ("olid", "davidson", "hatexplain"):
        subset = [r for r in rows if r[0] == source]
        texts = [r[2] for r in subset]
        verdicts = classifier.classify_many(texts)
        offensive = [bool(r[3]["abuse"]) for r in subset]
        entry: dict = {"n": len(texts), "flagged": {}}
        entry["flagged"]["esafety"] = prf([v.flagged for v in verdicts], offensive)
        entry["flagged"]["esafety"].update(ranking([max(v.categories.values()) for v in verdicts],
                                                   offensive))
        for name in QUICK_PEERS:
            entry["flagged"][name] = prf(others[name](texts), offensive)
        small = sample(list(range(len(texts))), SAMPLE_TEXTS)
        entry["flagged"]["better-profanity"] = prf(
            others["better-profanity"]([texts[i] for i in small]), [offensive[i] for i in small])
        entry["abuse"] = category_figures(verdicts, "abuse", offensive, thresholds)
        if "discrimination" in subset[0][3]:
            hate = [bool(r[3]["discrimination"]) for r in subset]
            entry["discrimination"] = category_figures(verdicts, "discrimination", hate, thresholds)
        results["texts"][source] = entry
        if model is not None:
            docs = [classifier.model_tokens(classifier.lexicon.strip_safe(tokens(t))[0])
                    for t in texts]
            model_p[source] = (model.probabilities(docs), subset)

    # Held-back school messages.
    fixtures = yaml.safe_load((REPO / "benchmarks" / "checks_fixtures.yaml").read_text())
    texts = [t for items in fixtures.values() for t in items]
    kinds = [k for k, items in fixtures.items() for _ in items]
    verdicts = classifier.classify_many(texts)
    for category in fixtures:
        if category == "ordinary":
            continue
        gold = [k == category for k in kinds]
        results["fixtures"][category] = category_figures(verdicts, category, gold, thresholds)
    ordinary = [v for v, k in zip(verdicts, kinds, strict=True) if k == "ordinary"]
    results["fixtures"]["ordinary flagged"] = {
        "flagged": sum(v.flagged for v in ordinary), "of": len(ordinary),
        "which": [t for t, k, v in zip(texts, kinds, verdicts, strict=True)
                  if k == "ordinary" and v.flagged]}
    results["fixtures"]["flagged (any harm)"] = prf(
        [v.flagged for v in verdicts], [k not in ("ordinary",) for k in kinds])
    for name in ("alt-profanity-check", "better-profanity", "TF-IDF + LR (OLID)"):
        results["fixtures"]["flagged (any harm)"][name] = prf(
            others[name](texts), [k != "ordinary" for k in kinds])["f1"]

    # Ordinary school messages, hand-written (benchmarks/school_ordinary.yaml): none should
    # be flagged. Staff and parents' messages as mail, through the check engine; pupils'
    # messages as posts, through the classifier.
    school = yaml.safe_load((REPO / "benchmarks" / "school_ordinary.yaml").read_text())
    for kind, items in school.items():
        if kind == "pupils":
            flags = [v.flagged_categories for v in classifier.classify_many(items)]
        else:
            sender = "teacher@hollinspark.sch.uk" if kind == "staff" else "parent@example.com"
            flags = [[f.rule.id for f in check_message(
                f"From: {sender}\nTo: office@hollinspark.sch.uk\nSubject: message\n\n{t}\n"
                .encode(), sender_role="teacher" if kind == "staff" else None).findings
                if f.rule.id.startswith("content.")] for t in items]
        results["school"][kind] = {
            "n": len(items), "flagged": sum(bool(f) for f in flags),
            "which": [(t, f) for t, f in zip(items, flags, strict=True) if f],
            **{name: sum(others[name](items)) for name in QUICK_PEERS}}

    def flags_by_tool(texts):
        """`flagged` of each text by esafety and by the peers that are quick enough to read
        every text (better-profanity is not)."""
        return {"esafety": [v.flagged for v in classifier.classify_many(texts)],
                **{name: others[name](texts) for name in QUICK_PEERS}}

    # Question-and-answer posts, hand-written (benchmarks/qa_posts*.yaml, two hands):
    # `flagged` against bullying, and how many posts are flagged at all.
    for probe_file in ("qa_posts.yaml", "qa_posts_2.yaml"):
        qa = yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
        qa_texts = qa["bullying"] + qa["ordinary"]
        qa_gold = [True] * len(qa["bullying"]) + [False] * len(qa["ordinary"])
        for name, flags in flags_by_tool(qa_texts).items():
            results["qa"][f"{probe_file}: {name}"] = {
                **prf(flags, qa_gold),
                "flagged share": round(sum(map(bool, flags)) / len(flags), 3)}

    # Aggressive comments, hand-written (benchmarks/aggression_probes*.yaml): `flagged`
    # against overt and covert aggression, with the peers. The first file was read when the
    # lexicon's threats and the comments' weight in the build were chosen; the second only
    # reported.
    for probe_file in ("aggression_probes.yaml", "aggression_probes_2.yaml"):
        probes = yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
        levels = ["overt", "covert", "ordinary"]
        items = [t for level in levels for t in probes[level]]
        level_of = [level for level in levels for _ in probes[level]]
        gold = [level != "ordinary" for level in level_of]
        for name, flags in flags_by_tool(items).items():
            results["aggression"][f"{probe_file}: {name}"] = {
                **prf(flags, gold),
                **{f"{level} flagged": round(sum(bool(f) for f, k in zip(flags, level_of,
                                                                          strict=True)
                                                if k == level) / len(probes[level]), 3)
                   for level in levels}}

    # Short messages, hand-written (benchmarks/short_probes*.yaml, 1 to 8 words, as pupils
    # write in chat): `flagged` against abuse and threats without swearing, and how many
    # ordinary ones and friendly swearing are flagged. Only reported: nothing was chosen on
    # them.
    short_kinds = ["abuse", "threats", "ordinary", "swearing_friendly"]
    for probe_file in ("short_probes.yaml", "short_probes_2.yaml"):
        short = yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
        items = [t for kind in short_kinds for t in short[kind]]
        short_kind_of = [kind for kind in short_kinds for _ in short[kind]]
        plain = [kind != "swearing_friendly" for kind in short_kind_of]
        gold = [kind in ("abuse", "threats") for kind, p in zip(short_kind_of, plain, strict=True)
                if p]
        for name, flags in flags_by_tool(items).items():
            results["short"][f"{probe_file}: {name}"] = {
                **prf([f for f, p in zip(flags, plain, strict=True) if p], gold),
                **{f"{kind} flagged": round(sum(bool(f) for f, k in zip(flags, short_kind_of,
                                                                        strict=True)
                                                if k == kind) / len(short[kind]), 3)
                   for kind in short_kinds}}

    # Hate without slurs, hand-written (benchmarks/hate_probes.yaml): the `discrimination`
    # score's ROC AUC, forum sentences and tweets against women and immigrants, each against
    # ordinary text on the same subjects.
    hate = yaml.safe_load((REPO / "benchmarks" / "hate_probes.yaml").read_text())
    for style in ("forum", "tweet"):
        items = hate[f"{style}_hate"] + hate[f"{style}_ordinary"]
        gold = [True] * len(hate[f"{style}_hate"]) + [False] * len(hate[f"{style}_ordinary"])
        verdicts = classifier.classify_many(items)
        entry = category_figures(verdicts, "discrimination", gold, thresholds)
        entry["flagged (any category)"] = prf([v.flagged for v in verdicts], gold)["f1"]
        results["hate"][style] = entry

    # Extremism in young people's words (benchmarks/extremism_probes*.yaml, and the held-back
    # fifth of the build's own, scripts/classifier_data/extremism.yaml): `extremism` found,
    # and of the ordinary talk on the same subjects the share given `extremism` or flagged.
    extremism_sets = {}
    for probe_file in ("extremism_probes.yaml", "extremism_probes_2.yaml"):
        probes = yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
        extremism_sets[probe_file] = (probes["extremist"], probes["ordinary"])
    own = yaml.safe_load((REPO / "scripts" / "classifier_data" / "extremism.yaml").read_text())
    extremism_sets["extremism.yaml (held-back fifth)"] = tuple(
        [t for i, t in enumerate(own[kind]) if held_back("extremism", f"{kind}:{i}")]
        for kind in ("extremism", "ordinary"))
    for label, (extremist, ordinary) in extremism_sets.items():
        entry = {"n extremist": len(extremist), "n ordinary": len(ordinary)}
        for kind, items in (("extremist", extremist), ("ordinary", ordinary)):
            verdicts = classifier.classify_many(items)
            entry[f"{kind}: extremism"] = round(sum(
                v.categories["extremism"] >= thresholds["extremism"] for v in verdicts)
                / len(items), 3)
            entry[f"{kind}: flagged"] = round(sum(v.flagged for v in verdicts) / len(items), 3)
            for name in QUICK_PEERS:
                entry[f"{kind}: {name} flagged"] = round(sum(others[name](items)) / len(items),
                                                         3)
        results["extremism"][label] = entry

    # Threats between pupils, hand-written (benchmarks/threats_probes.yaml, only scored): the
    # share given `violence` and flagged, and of ordinary messages in the same words.
    probes = yaml.safe_load((REPO / "benchmarks" / "threats_probes.yaml").read_text())
    for kind in ("threats", "ordinary"):
        verdicts = classifier.classify_many(probes[kind])
        results["threats"][kind] = {
            "n": len(verdicts),
            "violence": round(sum(v.categories["violence"] >= thresholds["violence"]
                                  for v in verdicts) / len(verdicts), 3),
            "flagged": round(sum(v.flagged for v in verdicts) / len(verdicts), 3),
            **{f"{name} flagged": round(sum(others[name](probes[kind])) / len(verdicts), 3)
               for name in QUICK_PEERS}}

    # Pupils telling staff of harm, as the mail filter decides on a pupil's mail to a teacher:
    # delivered (a child telling a trusted adult must never be held), and told to the DSL.
    telling_sets = {probe_file: yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
                    for probe_file in ("telling_probes.yaml", "telling_probes_2.yaml",
                                       "telling_long_probes.yaml")}
    own = yaml.safe_load((REPO / "scripts" / "classifier_data" / "telling.yaml").read_text())
    telling_sets["telling.yaml (held-back fifth)"] = {
        kind: [t for i, t in enumerate(own[kind]) if held_back("telling", f"{kind}:{i}")]
        for kind in ("telling", "ordinary")}
    decide = _pupil_to_teacher()
    for label, probes in telling_sets.items():
        for kind in ("telling", "ordinary"):
            decisions = [decide(t) for t in probes[kind]]
            results["telling"][f"{label}: {kind}"] = {
                "n": len(decisions),
                "delivered": round(sum(d[0] for d in decisions) / len(decisions), 3),
                "told to the DSL": round(sum(d[1] for d in decisions) / len(decisions), 3),
                **{f"{name} flagged": round(sum(others[name](probes[kind])) / len(decisions), 3)
                   for name in QUICK_PEERS}}

    # self-harm-dev.csv: measured, and the self-harm threshold chosen on it (no training).
    path = args.data / "text" / "self-harm-dev.csv"
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            dev = [(r["tweet"], r["label"] == "1") for r in csv.DictReader(fh)]
        verdicts = classifier.classify_many([t for t, _ in dev])
        scores = np.array([v.categories["self_harm"] for v in verdicts])
        gold = np.array([g for _, g in dev])
        flagged = np.array([v.flagged for v in verdicts])
        entry = {"n": len(dev), "at risk": int(gold.sum())}
        for label, cut in (("0.5", 0.5), ("rulebook threshold", thresholds["self_harm"])):
            entry[f"recall at {label}"] = round(float((scores[gold] >= cut).mean()), 3)
            entry[f"ordinary posts at or above {label}"] = round(
                float((scores[~gold] >= cut).mean()), 3)
        entry["ordinary posts flagged (any category)"] = round(float(flagged[~gold].mean()), 3)
        entry.update(ranking(scores, gold))
        cuts = np.arange(0.05, 1.0, 0.01)
        best = max(((float((scores[gold] >= c).mean()), float(c)) for c in cuts
                    if (scores[~gold] >= c).mean() <= 0.05), default=None)
        # Its two halves, unique texts, by a fixed hash of the text: A is read when a lexicon
        # phrase or a cut is chosen, B only reported.
        seen: dict[str, int] = {}
        for i, (text, _) in enumerate(dev):
            seen.setdefault(text, i)
        for half in ("A", "B"):
            idx = [i for t, i in seen.items()
                   if (hashlib.sha1(t.encode()).digest()[0] < 128) == (half == "A")]
            g, s, f = gold[idx], scores[idx], flagged[idx]
            entry[f"half {half} ({'tuning' if half == 'A' else 'report'})"] = (
                f"{len(idx)} unique texts, recall {(s[g] >= 0.5).mean():.3f}, ordinary posts "
                f"at or above 0.5 {(s[~g] >= 0.5).mean():.2%}, ordinary posts flagged "
                f"{f[~g].mean():.2%}")
        entry["best threshold with <= 5% ordinary"] = (
            {"threshold": round(best[1], 2), "recall": round(best[0], 3)} if best else
            f"none: even at 0.99, {float((scores[~gold] >= 0.99).mean()):.1%} of ordinary posts "
            "score above it")
        results["self_harm_dev"] = entry

    # Plans and means, hand-written (benchmarks/plans_probes*.yaml, never read by the build).
    for probe_file in ("plans_probes.yaml", "plans_probes_2.yaml"):
        probes = yaml.safe_load((REPO / "benchmarks" / probe_file).read_text())
        for kind, items in probes.items():
            verdicts = classifier.classify_many(items)
            results["plans"][f"{probe_file}: {kind}"] = {
                "n": len(items),
                "self_harm >= 0.5": round(sum(v.categories["self_harm"] >= 0.5 for v in verdicts)
                                          / len(items), 3),
                "flagged (any category)": round(sum(v.flagged for v in verdicts) / len(items),
                                                3)}

    # Reliability of the model's calibrated probabilities on held-back data.
    if model is not None:
        heads = list(model.heads)
        # Set by set: the sets' shares of offence differ (OLID a third, HateXplain over
        # half), so a probability right for one reads low for the other.
        for head, sources, label in (("abuse", ("olid",), "abuse"),
                                     ("abuse", ("hatexplain",), "abuse"),
                                     ("abuse", ("olid", "hatexplain"), "abuse"),
                                     ("discrimination", ("hatexplain", "davidson"),
                                      "discrimination")):
            p = np.concatenate([model_p[s][0][:, heads.index(head)] for s in sources])
            gold = [bool(r[3][label]) for s in sources for r in model_p[s][1]]
            results["reliability"][f"{head} ({', '.join(sources)})"] = reliability(p, gold)
        docs = [classifier.model_tokens(tokens(t)) for t in texts]
        probs = model.probabilities(docs)
        for head in heads:
            if head in fixtures:
                results["reliability"][f"{head} (school messages)"] = reliability(
                    probs[:, heads.index(head)], [k == head for k in kinds])

    if not args.no_mail:
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
        entry = {"esafety": sum(v.flagged == want for v in classifier.classify_many(texts))}
        for name, predict in others.items():
            entry[name] = sum(p == want for p in predict(texts))
        entry["of"] = len(texts)
        results["lists"][label] = entry
    results["seconds"] = round(time.time() - started, 1)

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"thresholds: {thresholds}\n")
    print("## Offensive text, held-back 20% (never used for building or tuning): `flagged`\n")
    print("| data | tool | precision | recall | F1 | AP / ROC AUC |")
    print("| --- | --- | --- | --- | --- | --- |")
    for source, entry in results["texts"].items():
        for tool in tools:
            e = entry["flagged"][tool]
            rank = f"{e['ap']:.3f} / {e['roc_auc']:.3f}" if "ap" in e else ""
            print(f"| {source} ({e['n']} texts) | {tool} | {e['precision']:.3f} | "
                  f"{e['recall']:.3f} | {e['f1']:.3f} | {rank} |")
    print("\n## Categories on the held-back sets (esafety)\n")
    print("| data | category | precision | recall | F1 | AP | ROC AUC |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for source, entry in results["texts"].items():
        for category in ("abuse", "discrimination"):
            if category in entry:
                e = entry[category]
                print(f"| {source} | {category} | {e['precision']:.3f} | {e['recall']:.3f} | "
                      f"{e['f1']:.3f} | {e.get('ap', 0):.3f} | {e.get('roc_auc', 0):.3f} |")
    print("\n## Held-back school messages (benchmarks/checks_fixtures.yaml)\n")
    print("| category | precision | recall | F1 | AP |")
    print("| --- | --- | --- | --- | --- |")
    for category, e in results["fixtures"].items():
        if "precision" in e:
            print(f"| {category} ({e['positives']} of {e['n']}) | {e['precision']:.3f} | "
                  f"{e['recall']:.3f} | {e['f1']:.3f} | {e.get('ap', 0):.3f} |")
    o = results["fixtures"]["ordinary flagged"]
    print(f"\nordinary messages flagged: {o['flagged']} of {o['of']}: {o['which']}")
    f = results["fixtures"]["flagged (any harm)"]
    print("F1 of `flagged` (any harm): esafety {:.3f}; alt-profanity-check {}; "
          "better-profanity {}; TF-IDF + LR {}".format(
              f["f1"], f["alt-profanity-check"], f["better-profanity"], f["TF-IDF + LR (OLID)"]))
    print("\n## Ordinary school messages, hand-written (benchmarks/school_ordinary.yaml)\n")
    print("| messages | n | esafety flagged | alt-profanity-check | TF-IDF + LR (OLID) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, e in results["school"].items():
        print(f"| {kind} | {e['n']} | {e['flagged']} | {e['alt-profanity-check']} | "
              f"{e['TF-IDF + LR (OLID)']} |")
    for kind, e in results["school"].items():
        for text, flags in e["which"]:
            print(f"* {kind}, {', '.join(flags)}: {text}")
    print("\n## Question-and-answer posts, hand-written (benchmarks/qa_posts*.yaml): "
          "`flagged` against bullying\n")
    print("| posts: tool | precision | recall | F1 | share flagged |\n| --- | --- | --- | --- | --- |")
    for name, e in results["qa"].items():
        print(f"| {name} | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} | "
              f"{e['flagged share']:.1%} |")
    print("\n## Aggressive comments, hand-written (benchmarks/aggression_probes*.yaml): "
          "`flagged` against overt and covert aggression\n")
    print("| probes: tool | precision | recall | F1 | overt flagged | covert flagged | "
          "ordinary flagged |\n| --- | --- | --- | --- | --- | --- | --- |")
    for name, e in results["aggression"].items():
        print(f"| {name} | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} | "
              f"{e['overt flagged']:.1%} | {e['covert flagged']:.1%} | "
              f"{e['ordinary flagged']:.1%} |")
    print("\n## Short messages, hand-written (benchmarks/short_probes*.yaml): `flagged` "
          "against abuse and threats without swearing\n")
    print("| probes: tool | precision | recall | F1 | abuse flagged | threats flagged | "
          "ordinary flagged | friendly swearing flagged |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, e in results["short"].items():
        print(f"| {name} | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} | "
              f"{e['abuse flagged']:.1%} | {e['threats flagged']:.1%} | "
              f"{e['ordinary flagged']:.1%} | {e['swearing_friendly flagged']:.1%} |")
    print("\n## Hate without slurs, hand-written (benchmarks/hate_probes.yaml): "
          "`discrimination`\n")
    print("| style | precision | recall | F1 | ROC AUC | `flagged` F1 |\n"
          "| --- | --- | --- | --- | --- | --- |")
    for style, e in results["hate"].items():
        print(f"| {style} | {e['precision']:.3f} | {e['recall']:.3f} | {e['f1']:.3f} | "
              f"{e.get('roc_auc', 0):.3f} | {e['flagged (any category)']:.3f} |")
    print("\n## Extremism in young people's words, hand-written (benchmarks/extremism_probes*.yaml)"
          "\n")
    print("| messages | extremist: `extremism` | extremist: flagged | ordinary: `extremism` | "
          "ordinary: flagged | alt-profanity-check: extremist / ordinary flagged | "
          "TF-IDF + LR: extremist / ordinary flagged |\n| --- | --- | --- | --- | --- | --- | --- |")
    for label, e in results["extremism"].items():
        print(f"| {label} ({e['n extremist']} / {e['n ordinary']}) | "
              f"{e['extremist: extremism']:.1%} | {e['extremist: flagged']:.1%} | "
              f"{e['ordinary: extremism']:.1%} | {e['ordinary: flagged']:.1%} | "
              + " | ".join(f"{e[f'extremist: {name} flagged']:.1%} / "
                           f"{e[f'ordinary: {name} flagged']:.1%}" for name in QUICK_PEERS)
              + " |")
    print("\n## Threats between pupils, hand-written (benchmarks/threats_probes.yaml)\n")
    print("| messages | n | `violence` | flagged | "
          + " | ".join(f"{name} flagged" for name in QUICK_PEERS) + " |\n"
          + "| --- " * (4 + len(QUICK_PEERS)) + "|")
    for kind, e in results["threats"].items():
        print(f"| {kind} | {e['n']} | {e['violence']:.1%} | {e['flagged']:.1%} | "
              + " | ".join(f"{e[f'{name} flagged']:.1%}" for name in QUICK_PEERS) + " |")
    print("\n## Pupils telling staff of harm, hand-written (benchmarks/telling_probes*.yaml), "
          "through the mail filter\n")
    print("| messages | n | delivered | told to the DSL | alt-profanity-check flagged | "
          "TF-IDF + LR flagged |\n| --- | --- | --- | --- | --- | --- |")
    for label, e in results["telling"].items():
        print(f"| {label} | {e['n']} | {e['delivered']:.1%} | {e['told to the DSL']:.1%} | "
              f"{e['alt-profanity-check flagged']:.1%} | {e['TF-IDF + LR (OLID) flagged']:.1%} |")
    print("\n## Plans and means, hand-written (benchmarks/plans_probes*.yaml)\n")
    print("| messages | n | self_harm >= 0.5 | flagged (any category) |\n| --- | --- | --- | --- |")
    for kind, e in results["plans"].items():
        print(f"| {kind} | {e['n']} | {e['self_harm >= 0.5']:.1%} | "
              f"{e['flagged (any category)']:.1%} |")
    if results["self_harm_dev"]:
        print("\n## self-harm-dev.csv (measured and threshold chosen only; never trained on)\n")
        for key, value in results["self_harm_dev"].items():
            print(f"* {key}: {value}")
    print("\n## Reliability of the model's probabilities (held-back data)\n")
    for key, r in results["reliability"].items():
        bins = "; ".join(f"{b[0]}: n={b[1]}, predicted {b[2]}, observed {b[3]}"
                         for b in r["bins"])
        print(f"* {key}: ECE {r['ece']} (n={r['n']}): {bins}")
    if results["mail"]:
        print("\n## Ordinary mail with a content finding (lower is better)\n")
        print("| mail | messages | esafety | alt-profanity-check | better-profanity |")
        print("| --- | --- | --- | --- | --- |")
        for label, entry in results["mail"].items():
            print(f"| {label} | {entry['messages']} | {entry['esafety']:.2%} | "
                  f"{entry['alt-profanity-check']:.2%} | {entry['better-profanity']:.2%} "
                  f"(first {entry['better-profanity sample']}) |")
        for label, entry in results["mail"].items():
            print(f"\nesafety content findings in {label}: {entry['esafety_by_rule']}")
    print("\n## Word lists (right answers)\n")
    print("| list | " + " | ".join(tools) + " |")
    print("| --- " * (len(tools) + 1) + "|")
    for label, entry in results["lists"].items():
        print(f"| {label} (of {entry['of']}) | " + " | ".join(str(entry[t]) for t in tools)
              + " |")
    print(f"\n({results['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
