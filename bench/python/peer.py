#!/usr/bin/python3
"""The peer side of `quiver bench NAME --vs PEER`: the same work as Quiver's benchmark, in numpy or torch.

Usage: peer.py BENCH SIZE PEER     (BENCH: matmul | smallop | elementwise; PEER: numpy | torch)
Prints one JSON object on stdout. Threads are limited to QUIVER_PEER_THREADS (default 2) so the
comparison is like for like. A missing peer prints {"error": ..., "install": ...} and exits 3.
"""
import json
import os
import sys

THREADS = os.environ.get("QUIVER_PEER_THREADS", "2")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS  # must happen before numpy/torch load their BLAS

import time  # noqa: E402

INSTALL = {"numpy": "apt-get install -y python3-numpy", "torch": "apt-get install -y python3-torch"}


def fail_missing(peer, err):
    print(json.dumps({"error": f"{peer} is not importable by {sys.executable}: {err}", "install": INSTALL[peer]}))
    sys.exit(3)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def timed(fn, inner, repeats, warmup_s=1.0):
    """Median seconds per call of fn over `repeats` batches of `inner` calls, after a warm-up."""
    end = time.perf_counter() + warmup_s
    while time.perf_counter() < end:
        fn()
    samples, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
        cpu.append((time.process_time() - c0) / inner)
    timed.cpu = median(cpu)  # CPU seconds per call, all threads of the process
    return median(samples)


def main():
    bench, size, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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

    rng = np.random.default_rng(42)

    def arr(n, m=None):
        shape = (n,) if m is None else (n, m)
        x = rng.standard_normal(shape, dtype=np.float32)
        return torch.from_numpy(x) if peer == "torch" else x

    out = {"bench": bench, "peer": peer, "threads": int(THREADS), "size": size,
           "version": (torch.__version__ if peer == "torch" else np.__version__)}
    if bench == "matmul":
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
    else:
        print(json.dumps({"error": f"unknown benchmark {bench}"}))
        sys.exit(2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
