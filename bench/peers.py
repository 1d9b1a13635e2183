#!/usr/bin/env python3
"""Runs the same host workloads in tinymlp, numpy and (when installed) PyTorch, side by side
on this machine, and prints the times and the ratios peer / tinymlp from this one run.

    python3 bench/peers.py            # needs numpy (pip install numpy); PyTorch optional

tinymlp runs twice: built for the default x86-64 target (SSE2) and with
`-C target-cpu=native` (the figures in out/bench/speed.json).

The peers' programs follow the recipes of data/REFERENCE.md: float32 moons (the
very rows of tinymlp's workloads, from the core's generator: `tinymlp speed --moons-csv`), 1,280
rows per epoch in batches of 32; the plain 2-64-32-16-1 ReLU MLP with SGD(0.1); the seed MLP
(64-BN-Dropout(.3)-32-BN-Dropout(.2)-16-1, Adam 1e-3, validation on 320 rows; PyTorch with
Keras' defaults: BN eps 1e-3 momentum 0.99, Adam eps 1e-7), one thread.
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUNS = 15


def median_time(f, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def tinymlp(native=False, moons_csv=None):
    """`tinymlp speed` built for the default x86-64 target, or with `-C target-cpu=native`
    (AVX and the like; no FMA contraction either way, so the same bits). With `moons_csv`, it
    also writes the rows of its workloads there."""
    env = dict(os.environ)
    target = os.path.join(ROOT, "target")
    if native:
        env["RUSTFLAGS"] = "-C target-cpu=native"
        target = os.path.join(ROOT, "target", "native")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked", "-p", "tinymlp-host",
                    "--target-dir", target], cwd=ROOT, check=True, env=env)
    exe = os.path.join(target, "release", "tinymlp")
    extra = ["--moons-csv", moons_csv] if moons_csv else []
    out = subprocess.run([exe, "speed", "--json", "--runs", str(RUNS)] + extra, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def moons(path, np):
    """The 1,600 rows of tinymlp's workloads (the core's moons generator, as `tinymlp speed
    --moons-csv` wrote them), standardised as tinymlp's models do in their first layer."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    x, y = data[:, :2], data[:, 2]
    x = (x - x.mean(0)) / x.std(0)
    return x.astype(np.float32), y.astype(np.float32).reshape(-1, 1)


def numpy_workloads(moons_csv):
    import numpy as np
    rng = np.random.default_rng(0)
    x, y = moons(moons_csv, np)
    x, y = x[:1280], y[:1280]
    sizes = [2, 64, 32, 16, 1]
    W = [(rng.uniform(-1, 1, (i, o)) * np.sqrt(6 / (i + o))).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    B = [np.zeros(o, np.float32) for o in sizes[1:]]

    def forward(a):
        for k, (w, b) in enumerate(zip(W, B)):
            z = a @ w + b
            a = np.maximum(z, 0) if k < 3 else 1 / (1 + np.exp(-z))
        return a

    def epoch():
        idx = rng.permutation(len(x))
        for s in range(0, len(x), 32):
            xb, yb = x[idx[s:s + 32]], y[idx[s:s + 32]]
            acts = [xb]
            for k, (w, b) in enumerate(zip(W, B)):
                z = acts[-1] @ w + b
                acts.append(np.maximum(z, 0) if k < 3 else 1 / (1 + np.exp(-z)))
            d = (acts[-1] - yb) / len(xb)
            for k in range(3, -1, -1):
                gw, gb = acts[k].T @ d, d.sum(0)
                if k > 0:
                    d = (d @ W[k].T) * (acts[k] > 0)
                W[k] -= np.float32(0.1) * gw
                B[k] -= np.float32(0.1) * gb

    one = x[:1]
    many = np.tile(x, (79, 1))[:100_000]
    return {
        "plain_mlp_epoch_sgd": median_time(epoch),
        "plain_infer_one_row": median_time(lambda: [forward(one) for _ in range(1000)]) / 1000,
        "plain_infer_rows_per_s": len(many) / median_time(lambda: forward(many)),
    }


def torch_workloads(moons_csv):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    xs, ys = moons(moons_csv, np)
    x, y, vx, vy = (torch.tensor(a) for a in (xs[:1280], ys[:1280], xs[1280:], ys[1280:]))
    nn = torch.nn
    plain = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    seed = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.BatchNorm1d(64, eps=1e-3, momentum=0.01), nn.Dropout(0.3),
                         nn.Linear(64, 32), nn.ReLU(), nn.BatchNorm1d(32, eps=1e-3, momentum=0.01), nn.Dropout(0.2),
                         nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()

    def epoch(model, opt, validate):
        model.train()
        perm = torch.randperm(len(x))
        for s in range(0, len(x), 32):
            i = perm[s:s + 32]
            opt.zero_grad()
            loss_fn(model(x[i]), y[i]).backward()
            opt.step()
        if validate:
            model.eval()
            with torch.no_grad():
                loss_fn(model(vx), vy).item()

    sgd = torch.optim.SGD(plain.parameters(), lr=0.1)
    adam = torch.optim.Adam(seed.parameters(), lr=1e-3, eps=1e-7)
    plain.eval()
    many = x.repeat(79, 1)[:100_000]
    with torch.no_grad():
        one = median_time(lambda: [plain(x[:1]) for _ in range(1000)]) / 1000
        rows = len(many) / median_time(lambda: plain(many))
    return {
        "seed_mlp_epoch": median_time(lambda: epoch(seed, adam, True)),
        "plain_mlp_epoch_sgd": median_time(lambda: epoch(plain, sgd, False)),
        "plain_infer_one_row": one,
        "plain_infer_rows_per_s": rows,
    }


def main():
    os.makedirs(os.path.join(ROOT, "out", "bench"), exist_ok=True)
    moons_csv = os.path.join(ROOT, "out", "bench", "moons.csv")
    ours, native = tinymlp(moons_csv=moons_csv), tinymlp(native=True)
    peers = {}
    try:
        peers["numpy"] = numpy_workloads(moons_csv)
    except ImportError:
        print("numpy is not installed (pip install numpy): its column is skipped", file=sys.stderr)
    try:
        peers["PyTorch"] = torch_workloads(moons_csv)
    except ImportError:
        print("PyTorch is not installed: its column is skipped", file=sys.stderr)
    with open(os.path.join(ROOT, "out", "bench", "speed.json"), "w") as f:
        json.dump({"default": ours, "native": native}, f, indent=1)
    rows = [
        ("seed MLP epoch (Adam, BN, Dropout, validation)", "seed_mlp_epoch", "seed_mlp_epoch", "ms", 1e3, False),
        ("plain MLP epoch (SGD)", "plain_mlp_epoch_sgd", "plain_mlp_epoch_sgd", "ms", 1e3, False),
        ("plain MLP, one row", "plain_infer_one_row", "plain_infer_one_row", "µs", 1e6, False),
        ("plain MLP, 100k rows, one thread", "plain_infer_rows_per_s", "plain_infer_rows_per_s", "M rows/s", 1e-6,
         True),
        (f"plain MLP, 100k rows, {ours['threads']} threads (numpy: its BLAS threads)",
         "plain_infer_rows_per_s_threads", "plain_infer_rows_per_s", "M rows/s", 1e-6, True),
        ("seed MLP, 100k rows, one thread", "seed_infer_rows_per_s", None, "M rows/s", 1e-6, True),
        (f"seed MLP, 100k rows, {ours['threads']} threads", "seed_infer_rows_per_s_threads", None, "M rows/s", 1e-6,
         True),
    ]
    names = list(peers)
    print("| workload | tinymlp | tinymlp, `target-cpu=native` |"
          + "".join(f" {n} | tinymlp speed-up vs {n} (default / native) |" for n in names))
    print("|---|---|---|" + "---|---|" * len(names))
    for label, key, peer_key, unit, scale, higher_better in rows:
        cells = [label, f"{ours[key] * scale:.3g} {unit}", f"{native[key] * scale:.3g} {unit}"]
        for n in names:
            v = peers[n].get(peer_key) if peer_key else None
            if v is None:
                cells += ["—", "—"]
                continue
            ratio = [(o[key] / v if higher_better else v / o[key]) for o in (ours, native)]
            cells += [f"{v * scale:.3g} {unit}", f"{ratio[0]:.1f}× / {ratio[1]:.1f}×"]
        print("| " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
