"""Build the learned half of the text classifier: esafety/engine/messages/model.json.

    uv run python scripts/build_classifier.py [--data ../shared/data/text] [--out PATH]

Reads two openly licensed tweet sets (OLID / OffensEval 2019, CC BY 4.0; Davidson et al.
2017, MIT), holds back 20% of each by a fixed hash of the record id (the benchmarks report
on that part only), tunes the regularisation and the decision threshold on a validation
slice of the rest, retrains on all of the rest, and writes a small JSON file of weights.

Generalisation choices (the data are tweets; the product reads school email):
- the features are the normalised tokens the running classifier sees (obfuscation undone,
  safe phrases such as "sex education" removed), unigrams and word pairs, binary;
- identity words (gay, muslim, black, women...) and clinical words get no weight of their
  own, so the model cannot learn "mentions a group = offensive";
- Twitter artefacts (@user, url, rt, hashtags' #) carry no weight;
- the model is stored as plain data; scikit-learn is needed here only, never at run time.
"""

import argparse
import csv
import hashlib
import json
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from esafety.engine.messages.classifier import (  # noqa: E402
    CATEGORIES,
    Classifier,
    load_lexicon,
)
from esafety.engine.messages.normalise import tokens  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "text"
DEFAULT_OUT = REPO / "esafety" / "engine" / "messages" / "model.json"
WINDOW = 32
EVIDENCE_GRID = (1.5, 2.0, 2.5, 3.0, 4.0)
MAX_FEATURES = 12000

# Words that must never be evidence of offence by themselves.
NEUTRAL = frozenset("""
gay gays lesbian lesbians bisexual trans transgender queer lgbt lgbtq homosexual straight
muslim muslims islam islamic jew jews jewish christian christians catholic hindu sikh
black blacks white whites asian asians african africans mexican mexicans immigrant
immigrants refugee refugees women woman girl girls men man boy boys female male
disabled disability autism autistic deaf blind sex sexual breast penis vagina cancer
dick cock pussy @user url rt amp 0
""".split())

# Function words are everywhere in email: alone they carry no weight (pairs such as
# "you idiot" keep theirs), so a long, ordinary message cannot add up to "offensive".
FUNCTION_WORDS = frozenset("""
a an the and or but if then so as of at by for from in into on onto to with without about
is are was were be been being am do does did done have has had having will would shall
should can could may might must not no nor only own same than too very just also
i me my mine we us our ours you your yours he him his she her hers it its they them their
theirs this that these those who whom whose which what when where why how all any both
each few more most other some such there here up down out over under again further once
get got go going gonna wanna lol im dont its thats u ur ya yo like one oh
""".split())


def held_back(source: str, record_id: str) -> bool:
    """The fixed 20% of each data set that no tuning ever sees."""
    digest = hashlib.sha1(f"{source}:{record_id}".encode()).digest()
    return digest[0] < 52  # 52/256 = 20.3%


def validation(source: str, record_id: str) -> bool:
    digest = hashlib.sha1(f"val:{source}:{record_id}".encode()).digest()
    return digest[0] < 64


def load_olid(data: Path) -> list[tuple[str, str, str, int]]:
    rows = []
    with open(data / "olid-training-v1.0.tsv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            rows.append(("olid", row["id"], row["tweet"], int(row["subtask_a"] == "OFF")))
    return rows


def load_davidson(data: Path) -> list[tuple[str, str, str, int]]:
    rows = []
    with open(data / "davidson-labeled.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(("davidson", row[""], row["tweet"], int(row["class"] in ("0", "1"))))
    return rows


def load_all(data: Path = DEFAULT_DATA):
    """(source, id, text, offensive) for both sets."""
    return load_olid(data) + load_davidson(data)


def features(text: str, lexicon) -> list[str]:
    toks, _ = lexicon.strip_safe(tokens(text))
    toks = toks[:WINDOW]
    feats = set(toks)
    feats.update(" ".join(p) for p in zip(toks, toks[1:], strict=False))
    return [f for f in feats if f not in NEUTRAL and f not in FUNCTION_WORDS
            and not (set(f.split()) <= NEUTRAL | FUNCTION_WORDS)]


def best_f1_threshold(scores, labels, flagged_by_lexicon):
    """The model probability cut that maximises F1 of (lexicon OR model) on validation."""
    best = (0.0, 0.5)
    for cut in [i / 100 for i in range(5, 96)]:
        tp = fp = fn = 0
        for s, y, lex in zip(scores, labels, flagged_by_lexicon, strict=True):
            pred = lex or s >= cut
            tp += pred and y
            fp += pred and not y
            fn += (not pred) and y
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[0]:
            best = (f1, cut)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    started = time.time()
    lexicon = load_lexicon()
    lexicon_only = Classifier(lexicon, None)
    rows = [r for r in load_all(args.data) if not held_back(r[0], r[1])]
    train = [r for r in rows if not validation(r[0], r[1])]
    val = [r for r in rows if validation(r[0], r[1])]
    print(f"{len(rows)} records for building ({len(train)} train, {len(val)} validation); "
          "the held-back 20% is not read", file=sys.stderr)

    def featurise(records):
        return [dict.fromkeys(features(r[2], lexicon), 1) for r in records]

    vec = DictVectorizer()
    x_train = normalize(vec.fit_transform(featurise(train)))
    y_train = [r[3] for r in train]
    x_val = normalize(vec.transform(featurise(val)))
    y_val = [r[3] for r in val]
    val_olid = [i for i, r in enumerate(val) if r[0] == "olid"]
    lex_val = [lexicon_only.classify(r[2]).flagged for r in val]

    results = []
    for c in (4.0, 8.0, 16.0):
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(x_train, y_train)
        raw_p = model.predict_proba(x_val)[:, 1]
        # As at run time: no window counts unless one feature carries real weight.
        top = x_val.copy()
        top.data[:] = 1
        strongest = top.multiply(model.coef_[0]).max(axis=1).toarray().ravel()
        for evidence in EVIDENCE_GRID:
            p = [pi if s >= evidence else 0.0 for pi, s in zip(raw_p, strongest, strict=True)]
            # Tune on the OLID part: harder and more general (Davidson is 83% positive).
            f1, cut = best_f1_threshold([p[i] for i in val_olid], [y_val[i] for i in val_olid],
                                        [lex_val[i] for i in val_olid])
            print(f"C={c} evidence>={evidence}: validation F1 (OLID, lexicon or model) "
                  f"{f1:.3f} at p>={cut}", file=sys.stderr)
            results.append((f1, cut, c, evidence))
    # Prefer the strictest evidence floor within 0.01 of the best F1: a model that needs a
    # clearly offensive word transfers better to school mail than one that does not.
    top_f1 = max(r[0] for r in results)
    f1, cut, c, evidence = max((r for r in results if r[0] >= top_f1 - 0.01),
                               key=lambda r: (r[3], r[0]))
    print(f"chosen: C={c}, evidence>={evidence}, F1 {f1:.3f}, cut {cut}", file=sys.stderr)

    # Retrain on everything that is not held back, with the chosen settings.
    vec = DictVectorizer()
    x_all = normalize(vec.fit_transform(featurise(rows)))
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(x_all, [r[3] for r in rows])
    names = vec.get_feature_names_out()
    coef = model.coef_[0]
    order = sorted(range(len(coef)), key=lambda i: -abs(coef[i]))[:MAX_FEATURES]
    weights = {str(names[i]): round(float(coef[i]), 4) for i in order if abs(coef[i]) >= 0.02}
    # Shift the bias so that the tuned cut lands on the abuse category's threshold (0.6):
    # the running classifier then needs no per-model threshold of its own.
    threshold = lexicon.categories["abuse"]["threshold"]
    logit = lambda q: math.log(q / (1 - q))  # noqa: E731
    bias = float(model.intercept_[0]) - logit(cut) + logit(threshold)
    payload = {
        "version": 1,
        "kind": "logistic regression, binary unigram + bigram features",
        "labels": "offensive (OLID subtask_a OFF; Davidson classes 0 and 1)",
        "sources": ["OLID / OffensEval 2019 (CC BY 4.0)",
                    "Davidson et al. 2017 hate speech and offensive language (MIT)"],
        "held_back": "sha1(source:id)[0] < 52, about 20% of each set",
        "c": c,
        "validation_f1_olid": round(f1, 4),
        "tuned_cut": cut,
        "window": WINDOW,
        # Words that carry no weight of their own and do not count in the normalisation
        # (a word pair counts unless both its words are here), exactly as in training.
        "ignore": sorted(NEUTRAL | FUNCTION_WORDS),
        "min_evidence": evidence,
        "features": "binary unigrams and bigrams, L2-normalised per window",
        "bias": round(bias, 4),
        "categories": list(CATEGORIES),
        "weights": dict(sorted(weights.items())),
    }
    args.out.write_text(json.dumps(payload, separators=(",", ":"), ensure_ascii=True) + "\n")
    print(f"wrote {args.out} ({len(weights)} features, {args.out.stat().st_size // 1024} KB) "
          f"in {time.time() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
