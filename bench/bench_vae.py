"""VAE training throughput: float32 vs ``mixed_bfloat16`` (Exercise 10 model).

Each policy runs in a fresh subprocess (a Keras dtype policy is global) with the
full-profile architecture (latent_dim 128, batch 64) on random ``uint8``
images: a warm-up epoch (graph tracing), then a timed epoch of ``STEPS`` steps.
Rows: ``images_per_s`` and ``step_ms`` of the timed epoch, and the loss after
it, so a policy that breaks training shows as NaN or a much higher loss. The
cores may be shared: compare rows of one run only.
"""

from __future__ import annotations

import json
import subprocess
import sys

STEPS = 30
BATCH = 64

_CHILD = r"""
import json, sys, time
import keras, numpy as np
keras.mixed_precision.set_global_policy(sys.argv[1])
from aelab.models import vae
keras.utils.set_random_seed(0)
steps, batch = int(sys.argv[2]), int(sys.argv[3])
images = np.random.default_rng(0).integers(0, 256, size=(steps * batch, 32, 32, 3), dtype=np.uint8)
model = vae.VAE(vae.build_encoder(128), vae.build_decoder(128), seed=0)
model.compile(optimizer=keras.optimizers.Adam(2e-3))
model.fit(images[: 2 * batch], batch_size=batch, epochs=1, verbose=0)
start = time.perf_counter()
history = model.fit(images, batch_size=batch, epochs=1, verbose=0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "loss": float(history.history["loss"][-1])}))
"""


def _measure(policy: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, policy, str(STEPS), str(BATCH)],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{policy} run failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "policy": policy,
        "steps": STEPS,
        "batch": BATCH,
        "images_per_s": STEPS * BATCH / result["seconds"],
        "step_ms": 1000 * result["seconds"] / STEPS,
        "loss_after_epoch": result["loss"],
    }


def run() -> list[dict]:
    rows = [_measure("float32"), _measure("mixed_bfloat16")]
    rows[1]["speedup_vs_float32"] = rows[1]["images_per_s"] / rows[0]["images_per_s"]
    return rows
