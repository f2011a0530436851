#!/usr/bin/python3
"""The peer side of `quiver bench NAME --vs PEER`: the same work as Quiver's benchmark, in numpy or torch.

Usage: peer.py BENCH SIZE PEER [DEVICE]
       (BENCH: matmul | smallop | elementwise | iris-train | mlp-train | lstm-train | conv2d | lenet-train |
        fashion-cnn; PEER: numpy | torch; the training and convolution benchmarks need torch; DEVICE: cpu
        (default) or cuda[:N], torch only, for matmul, mlp-train, lstm-train, conv2d, lenet-train and fashion-cnn)
Prints one JSON object on stdout. Threads are limited to QUIVER_PEER_THREADS (default 2) so the
comparison is like for like. A missing peer prints {"error": ..., "install": ...} and exits 3.
"""
import json
import math
import os
import sys

THREADS = os.environ.get("QUIVER_PEER_THREADS", "2")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS  # must happen before numpy/torch load their BLAS
if len(sys.argv) > 1 and sys.argv[1] == "lstm-train":
    # An LSTM step is hundreds of small ops, each an OpenMP parallel region; GNU OpenMP's threads
    # spin between regions, and on a shared 2-core machine a spinning thread that lost its core
    # made torch 10-20x slower (2 s a step instead of 0.15). Passive waiting, and the 1-thread
    # figure beside the 2-thread one (lstm_peer.py keeps the faster), give torch its best case.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import time  # noqa: E402

INSTALL = {"numpy": "apt-get install -y python3-numpy", "torch": "apt-get install -y python3-torch"}


def fail_missing(peer, err):
    print(json.dumps({"error": f"{peer} is not importable by {sys.executable}: {err}", "install": INSTALL[peer]}))
    sys.exit(3)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


# Rounds as the Java side's Timing.plan: each at least ROUND_S, at least `repeats` of them, more (up to MAX_ROUNDS)
# until they last MEASURE_S in all. The build machine's core changes speed over seconds (docs/benchmarks.md), so
# many short rounds spread out, alternating with Quiver's, give each run its typical speed.
ROUND_S = 0.1
MEASURE_S = 5.0
MAX_ROUNDS = 61
# A run's figure is the lower decile of its rounds, as the Java side's (Timing.FIGURE_QUANTILE, which says why);
# the median is kept beside it (_median) and every round (_rounds).
FIGURE_QUANTILE = 0.1


def quantile(xs, q):
    s = sorted(xs)
    at = q * (len(s) - 1)
    lo = int(at)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (at - lo)


# Paired with Quiver's rounds (QUIVER_PEER_PAIRED=1, set by the Java side's PairedPeer): before each warm-up and
# each round the script hands the machine back and waits for its turn, so that Quiver's rounds and these alternate
# and both see the same machine (its core changes speed over seconds: docs/benchmarks.md).
PAIRED = os.environ.get("QUIVER_PEER_PAIRED") == "1"


def turn():
    if PAIRED:
        print("turn", flush=True)
        if sys.stdin.readline().strip() != "go":
            sys.exit(4)  # the Java side went away


def timed(fn, inner, repeats, warmup_s=1.0):
    """Seconds per call of fn, the lower decile (FIGURE_QUANTILE) of rounds of `inner` calls (or the multiple of inner that lasts
    ROUND_S), at least `repeats` of them (more until they last MEASURE_S), after a warm-up. timed.samples
    keeps every round's seconds per call, in order (the JSON's raw rounds), timed.median their median."""
    turn()
    end = time.perf_counter() + warmup_s
    while time.perf_counter() < end:
        fn()
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    batch = max(time.perf_counter() - t0, 1e-9)
    calls = inner if batch >= ROUND_S else inner * math.ceil(ROUND_S / batch)
    repeats = max(repeats, min(MAX_ROUNDS, math.ceil(MEASURE_S / (batch / inner * calls))))
    inner = calls
    samples, cpu = [], []
    for _ in range(repeats):
        turn()
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
        cpu.append((time.process_time() - c0) / inner)
    timed.cpu = median(cpu)  # CPU seconds per call, all threads of the process
    timed.samples = samples
    timed.cpus = cpu
    timed.median = median(samples)
    return quantile(samples, FIGURE_QUANTILE)


def rounds(scale, cpu=False):
    """The last timed()'s rounds (wall, or with cpu=True the process's CPU) times `scale`, 4 significant digits: a
    figure's raw rounds in the JSON."""
    return [float("%.4g" % (x * scale)) for x in (timed.cpus if cpu else timed.samples)]


def main():
    bench, size, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    try:
        import numpy as np
    except ImportError as e:
        fail_missing("numpy", e)
    if peer == "torch":
        try:
            import torch
        except ImportError as e:
            fail_missing("torch", e)
        torch.set_num_threads(int(THREADS))
    elif peer != "numpy":
        print(json.dumps({"error": f"unknown peer {peer}; use numpy or torch"}))
        sys.exit(2)

    on_gpu = device.startswith("cuda")
    if on_gpu:
        if peer != "torch" or bench not in ("matmul", "mlp-train", "lstm-train", "conv2d", "lenet-train", "fashion-cnn"):
            print(json.dumps({"error": f"--device {device} is compared with torch, for matmul, mlp-train, lstm-train "
                                       "and the convolution benchmarks only"}))
            sys.exit(2)
        if not torch.cuda.is_available():
            print(json.dumps({"error": f"torch {torch.__version__} sees no CUDA device (torch.cuda.is_available() is "
                                       "False): install a CUDA build of torch to compare on the GPU",
                              "install": "pip install torch (a CUDA wheel) for /usr/bin/python3"}))
            sys.exit(3)
        # True float32 on both sides: Quiver's cuBLAS calls use the default math mode, without TF32.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    rng = np.random.default_rng(42)

    def arr(n, m=None):
        shape = (n,) if m is None else (n, m)
        x = rng.standard_normal(shape, dtype=np.float32)
        return torch.from_numpy(x) if peer == "torch" else x

    out = {"bench": bench, "peer": peer, "threads": int(THREADS), "size": size,
           "version": (torch.__version__ if peer == "torch" else np.__version__)}
    if on_gpu:
        out["device"] = device + " " + torch.cuda.get_device_name(torch.device(device))
    if bench == "matmul" and on_gpu:
        dev = torch.device(device)
        a, b = arr(size, size).to(dev), arr(size, size).to(dev)

        def mm():
            torch.matmul(a, b)
            torch.cuda.synchronize(dev)  # as Quiver's side waits for each product

        t = timed(mm, max(1, int(2e12 / (2.0 * size ** 3))), 7)
        out["gflops"] = 2.0 * size ** 3 / t / 1e9
    elif bench == "matmul":
        a, b = arr(size, size), arr(size, size)
        mm = (lambda: torch.matmul(a, b)) if peer == "torch" else (lambda: a @ b)
        t = timed(mm, max(1, int(2e9 / (2.0 * size ** 3))), 7)
        out["gflops"] = 2.0 * size ** 3 / t / 1e9
    elif bench == "smallop":
        a, b = arr(size), arr(size)
        add = (lambda: torch.add(a, b)) if peer == "torch" else (lambda: np.add(a, b))
        t = timed(add, 100_000, 11)
        out["ns_per_op"] = t * 1e9
        out["cpu_ns_per_op"] = timed.cpu * 1e9
        out["ns_per_op_median"] = timed.median * 1e9
        out["ns_per_op_rounds"] = rounds(1e9)
        out["cpu_ns_per_op_rounds"] = rounds(1e9, cpu=True)
    elif bench == "elementwise":
        a, b, c, src, dst = arr(size), arr(size), arr(size), arr(size), arr(size)
        if peer == "torch":
            chain = lambda: torch.relu(a * b + c)  # noqa: E731
            copy = lambda: dst.copy_(src)  # noqa: E731
        else:
            chain = lambda: np.maximum(a * b + c, 0)  # noqa: E731
            copy = lambda: np.copyto(dst, src)  # noqa: E731
        t_chain = timed(chain, 3, 9)
        t_copy = timed(copy, 3, 9)
        out["gbps"] = 4 * 4 * size / t_chain / 1e9
        out["copy_gbps"] = 2 * 4 * size / t_copy / 1e9
        out["ratio_to_copy"] = out["gbps"] / out["copy_gbps"]
    elif bench == "lstm-train":
        if peer != "torch":
            print(json.dumps({"error": f"{bench} compares training steps with torch; use --vs torch"}))
            sys.exit(2)
        from lstm_peer import train_lstm
        out.update(train_lstm(torch, size, timed, device))
    elif bench in ("iris-train", "mlp-train"):
        if peer != "torch":
            print(json.dumps({"error": f"{bench} compares training steps with torch; use --vs torch"}))
            sys.exit(2)
        out.update(train_iris(torch, np, size) if bench == "iris-train" else train_mlp(torch, size, device))
    elif bench in ("conv2d", "lenet-train", "fashion-cnn"):
        if peer != "torch":
            print(json.dumps({"error": f"{bench} compares convolutions with torch; use --vs torch"}))
            sys.exit(2)
        fn = {"conv2d": conv2d, "lenet-train": train_lenet, "fashion-cnn": train_fashion}[bench]
        out.update(fn(torch, np, size, device))
    else:
        print(json.dumps({"error": f"unknown benchmark {bench}"}))
        sys.exit(2)
    out["blas"] = loaded_blas()
    print(json.dumps(out))


def loaded_blas():
    """Which BLAS library this process really loaded: Debian's numpy uses whatever the
    libblas.so.3 alternative points to, the reference BLAS unless OpenBLAS is installed."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line}
        return ",".join(sorted(libs)) or "none"
    except OSError:
        return "unknown"


def iris_rows(np):
    """The Iris CSV that the DSL ships, read without pandas."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "dsl", "src", "main", "resources", "dev", "quiver", "dsl", "data", "iris.csv")
    xs, ys, names = [], [], {}
    with open(path) as f:
        next(f)
        for line in f:
            *x, name = line.strip().split(",")
            xs.append([float(v) for v in x])
            ys.append(names.setdefault(name, len(names)))
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.int64)


def train_iris(torch, np, batch):
    """4-10-8-3, Adam 0.01, batch 16: the same model and step as Quiver's iris-train."""
    x, y = iris_rows(np)
    perm = np.random.default_rng(42).permutation(len(x))
    tr, te = perm[:120], perm[120:]
    mean, std = x[tr].mean(0), x[tr].std(0)
    xt = torch.from_numpy((x - mean) / std)
    yt = torch.from_numpy(y)
    nn = torch.nn

    def make():
        torch.manual_seed(42)
        m = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
        return m, torch.optim.Adam(m.parameters(), lr=0.01)

    loss_fn = nn.CrossEntropyLoss()
    xtr, ytr = xt[tr], yt[tr]

    def epoch(m, opt):
        order = torch.randperm(len(tr))
        for i in range(0, len(tr), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(m(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            loss.item()

    m, opt = make()
    steps = (len(tr) + batch - 1) // batch
    t = timed(lambda: epoch(m, opt), 20, 9)
    raw, raw_cpu, mid = rounds(1e6 / steps), rounds(1e6 / steps, cpu=True), timed.median / steps * 1e6
    m, opt = make()
    for _ in range(100):
        epoch(m, opt)
    with torch.no_grad():
        acc = (m(xt[te]).argmax(1) == yt[te]).float().mean().item()
    return {"us_per_step": t / steps * 1e6, "test_accuracy": acc, "us_per_step_median": mid, "us_per_step_rounds": raw,
            "cpu_us_per_step_rounds": raw_cpu}


def train_mlp(torch, batch, device="cpu"):
    """784-256-128-10, Adam 0.001, synthetic data, 10 steps per call; on `device` (data and model)."""
    nn = torch.nn
    dev = torch.device(device)
    torch.manual_seed(1)
    rows = batch * 10
    x = torch.randn(rows, 784).to(dev)
    y = torch.randint(0, 10, (rows,)).to(dev)
    m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)).to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        # loss.item() below waits for the GPU at every step, so the timing covers the work done.
        order = torch.randperm(rows, device=dev)
        for i in range(0, rows, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(m(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()

    t = timed(epoch, 3, 7)
    return {"ms_per_step": t / 10 * 1e3, "ms_per_step_median": timed.median / 10 * 1e3,
            "ms_per_step_rounds": rounds(1e3 / 10),
            "cpu_ms_per_step_rounds": rounds(1e3 / 10, cpu=True)}


def conv2d(torch, np, batch, device="cpu"):
    """Forward and backward of a 3x3 convolution, batch x 64 x 56 x 56 -> 64 channels, padding 1."""
    dev = torch.device(device)
    x = torch.randn(batch, 64, 56, 56, device=dev, requires_grad=True)
    w = (torch.randn(64, 64, 3, 3, device=dev) * 0.05).requires_grad_()

    def step():
        y = torch.nn.functional.conv2d(x, w, padding=1)
        y.backward(torch.ones_like(y))
        x.grad.sum().item()  # waits for the work, as Quiver's side reads a value
        x.grad = None
        w.grad = None

    t = timed(step, 1, 5, warmup_s=3.0)
    flops = 3 * 2.0 * batch * 64 * 64 * 9 * 56 * 56
    return {"gflops": flops / t / 1e9, "ms_per_call": t * 1e3, "gflops_median": flops / timed.median / 1e9,
            "gflops_rounds": [float("%.4g" % (flops / x / 1e9)) for x in timed.samples]}


def lenet(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def train_lenet(torch, np, batch, device="cpu"):
    """LeNet-5-like on 28x28, Adam 0.001, 10 steps per call."""
    dev = torch.device(device)
    torch.manual_seed(1)
    rows = batch * 10
    x = torch.rand(rows, 1, 28, 28).to(dev)
    y = torch.randint(0, 10, (rows,)).to(dev)
    m = lenet(torch).to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        order = torch.randperm(rows, device=dev)
        for i in range(0, rows, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(m(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()

    t = timed(epoch, 2, 7, warmup_s=3.0)
    return {"ms_per_step": t / 10 * 1e3, "ms_per_step_median": timed.median / 10 * 1e3,
            "ms_per_step_rounds": rounds(1e3 / 10),
            "cpu_ms_per_step_rounds": rounds(1e3 / 10, cpu=True)}


def idx(path, np):
    import gzip
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def train_fashion(torch, np, n, device="cpu"):
    """Notebook 13's CNN, one epoch on the first n Fashion-MNIST training images, test accuracy after it."""
    nn = torch.nn
    d = os.environ.get("QUIVER_DATA", "")
    base = next((p for p in (os.path.join(d, "fashion-mnist"), d, "/usr/share/datasets/fashion-mnist")
                 if p and os.path.exists(os.path.join(p, "train-images-idx3-ubyte.gz"))), None)
    if base is None:
        print(json.dumps({"error": "Fashion-MNIST is missing", "install": "apt-get install -y dataset-fashion-mnist"}))
        sys.exit(3)
    dev = torch.device(device)
    xs = torch.from_numpy(idx(os.path.join(base, "train-images-idx3-ubyte.gz"), np)[:n].astype(np.float32) / 255)
    ys = torch.from_numpy(idx(os.path.join(base, "train-labels-idx1-ubyte.gz"), np)[:n].astype(np.int64))
    xt = torch.from_numpy(idx(os.path.join(base, "t10k-images-idx3-ubyte.gz"), np).astype(np.float32) / 255)
    yt = torch.from_numpy(idx(os.path.join(base, "t10k-labels-idx1-ubyte.gz"), np).astype(np.int64))
    xs, ys, xt, yt = xs.unsqueeze(1).to(dev), ys.to(dev), xt.unsqueeze(1).to(dev), yt.to(dev)
    torch.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.MaxPool2d(2), nn.ReLU(),
                      nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.MaxPool2d(2), nn.ReLU(),
                      nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10)).to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=0.002)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    order = torch.randperm(len(xs), device=dev)
    for i in range(0, len(xs), 64):
        idx_ = order[i:i + 64]
        opt.zero_grad()
        loss = loss_fn(m(xs[idx_]), ys[idx_])
        loss.backward()
        opt.step()
    loss.item()
    seconds = time.perf_counter() - t0
    m.eval()
    with torch.no_grad():
        correct = sum((m(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item() for i in range(0, len(xt), 1000))
    return {"s_per_epoch": seconds, "test_accuracy": correct / len(xt)}


if __name__ == "__main__":
    main()
