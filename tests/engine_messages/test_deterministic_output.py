"""The same message always gives the same verdict, evidence in the same order, in any process."""

import os
import subprocess
import sys

MESSAGE = (b"From: pupil@hollinspark.sch.uk\nTo: friend@hollinspark.sch.uk\nSubject: you\n\n"
           b"you are a stupid bitch and a wanker, shut the f*** up you idiot, I'll kill you, "
           b"you fat slag, bullshit, sh1t, go die\n")


def run_check(hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "esafety", "check", "-", "--json", "--no-db"],
                          input=MESSAGE, capture_output=True, env=env, timeout=60)
    assert done.stderr == b"" or b"Traceback" not in done.stderr
    return done.stdout


def test_evidence_order_does_not_depend_on_string_hashing():
    outputs = {run_check(seed) for seed in ("1", "2", "3", "12345")}
    assert len(outputs) == 1
    assert b'"content.' in next(iter(outputs))
