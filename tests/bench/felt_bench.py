"""./quiver bench felt: what a notebook user feels, cell by cell, in a fresh kernel.

The same notebook runs in a fresh "Java (Quiver)" kernel and, with --vs torch, in a fresh
ipykernel with torch, the two alternating (Quiver, torch, Quiver, ...) for --runs sessions
(default 5). Each session starts its kernel and runs, in order:

  start          launch to the first kernel_info_reply
  iris_setup     the Iris data (seeded 80/20 split, standardized) and the 4-10-8-3 model
  iris_fit       the README's fit: 100 epochs, batch 16, Adam 0.01, accuracy metric, as shown
                 (Quiver: progress bar and live curve; torch: a loop that prints the last loss)
  iris_evaluate  loss and accuracy on the test rows
  iris_fit_again the same fit a second time (warm), shown the same way
  iris_fit_quiet the same fit without the live view (Quiver's .quiet(); torch: the same loop)
  iris_fit_live_after  the fit with the live view once more, after the quiet one
  mlp_setup      12 800 random rows of 784 features, 10 classes; the 784-256-128-10 MLP
  mlp_fit        3 epochs of 100 steps, batch 128, Adam 0.001
  launch_to_result  launch to the Iris evaluation's reply (start + iris_setup + iris_fit +
                 iris_evaluate, measured as one span)
  iris_fit_cpu   the CPU time (user + system, all threads) the kernel's processes spent during
                 iris_fit: Quiver's kernel JVM and cell JVM, ipykernel's Python; from /proc, so
                 Linux only. It is what a loaded machine disturbs least: what the fit costs, where
                 its wall time also says how long it waited for a core
  to_result_cpu  the same from launch to the Iris evaluation's reply
  live_view_cost what the live view adds to a warm fit, per session: the mean of the two live
                 fits around the quiet one (iris_fit_again, iris_fit_live_after) minus the quiet
                 one. Each fit is faster than the one before it while the JIT warms up, so a live
                 fit before the quiet one alone would count warm-up as the live view's cost; the
                 fits on either side of it cancel that. On the torch side (no live view, the same
                 loop three times) the figure shows what this difference gives for nothing.

The live view on a fit longer than 0.5 s (issue 16: it must cost under 10% of such a fit), after
the cells above, in the same session:
  mlp_fit_live, mlp_fit_quiet, mlp_fit_live_after   the MLP fit again (warm, about a second):
                 with the live view, with .quiet(), with the live view (torch: the same loop)
  mlp_live_view_cost      mean of the two live fits minus the quiet one, as live_view_cost
  mlp_live_view_cpu_cost  the same in CPU time of the kernel's processes (from /proc): what a
                 loaded machine disturbs least
  mlp_live_view_threads_cpu  Quiver only: the CPU time of the threads that show the view (the
                 kernel process, which relays each frame, and the cell JVM's renderer thread),
                 live fits minus the quiet one: the view's own cost, free of the JIT's warm-up;
                 mlp_live_view_jit_cpu the same for the cell JVM's JIT compiler threads (a live
                 fit after a quiet one may recompile the training loop)

A cell's time runs from sending execute_request to the kernel's idle status for it, which is when
a notebook marks the cell done. By default each cell is sent as soon as the one before is done, as
fast as a client can; --think S waits S seconds before each cell, as a user reading the last output
and typing the next cell would (both sides alike; launch_to_result then leaves the waits out, so it
is the kernel's own time to the result). Quiver's cell JVM warms up the training path while the
kernel is idle (docs/kernel.md), so the first fit depends on that pause. Every figure is the median over the sessions with min and max;
ratio is Quiver's median over torch's (below 1: Quiver is faster).

usage: felt_bench.py [--json] [--vs torch] [--runs N] [--think S]
"""
import json
import os
import statistics
import subprocess
import sys
import time

from jupyter_client import KernelManager

QUIVER = os.environ.get("QUIVER_BENCH_KERNEL", "quiver-java")
PEER_KERNEL = os.environ.get("QUIVER_BENCH_PEER_KERNEL", "python3")
HERE = os.path.dirname(os.path.abspath(__file__))
IRIS_CSV = os.path.normpath(os.path.join(
    HERE, "..", "..", "dsl", "src", "main", "resources", "dev", "quiver", "dsl", "data", "iris.csv"))

IRIS_FIT = ("model.fit(iris.train(), Fit.epochs(100).batch(16)"
            ".optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).metrics(Metric.accuracy())")

QUIVER_CELLS = [
    ("iris_setup", """
var iris = Datasets.iris().split(0.8, 42).standardize();
var model = Sequential.of(
    Dense.of(10).relu(),
    Dense.of(8).relu(),
    Dense.of(3).softmax()).input(4).seed(42);
"""),
    ("iris_fit", "var history = " + IRIS_FIT + ");"),
    ("iris_evaluate", "model.evaluate(iris.test())"),
    ("iris_fit_again", "history = " + IRIS_FIT + ");"),
    ("iris_fit_quiet", "history = " + IRIS_FIT + ".quiet());"),
    ("iris_fit_live_after", "history = " + IRIS_FIT + ");"),
    ("mlp_setup", """
var random = new java.util.Random(1);
var classes = new int[12800];
for (int i = 0; i < classes.length; i++) classes[i] = random.nextInt(10);
var mlpData = Dataset.of(Tensor.randn(new long[] {12800, 784}, 1), Tensor.ofInts(classes));
var mlp = Sequential.of(Dense.of(256).relu(), Dense.of(128).relu(), Dense.of(10)).input(784).seed(1);
"""),
    ("mlp_fit", "mlp.fit(mlpData, Fit.epochs(3).batch(128).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy()));"),
]

TORCH_IRIS_FIT = """
def fit_iris(epochs=100, batch=16):
    last = 0.0
    for epoch in range(epochs):
        order = torch.randperm(len(xtr))
        correct = 0
        for i in range(0, len(xtr), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            out = model(xtr[idx])
            loss = loss_fn(out, ytr[idx])
            loss.backward()
            opt.step()
            last = loss.item()
            correct += (out.argmax(1) == ytr[idx]).sum().item()
    print(f"epoch {epochs}: loss {last:.4f}, accuracy {correct / len(xtr):.4f}")
"""

TORCH_CELLS = [
    ("iris_setup", f"""
import torch, numpy as np
from torch import nn
xs, ys, names = [], [], {{}}
with open({IRIS_CSV!r}) as f:
    next(f)
    for line in f:
        *x, name = line.strip().split(",")
        xs.append([float(v) for v in x])
        ys.append(names.setdefault(name, len(names)))
x, y = np.array(xs, dtype=np.float32), np.array(ys, dtype=np.int64)
perm = np.random.default_rng(42).permutation(len(x))
tr, te = perm[:120], perm[120:]
mean, std = x[tr].mean(0), x[tr].std(0)
xt, yt = torch.from_numpy((x - mean) / std), torch.from_numpy(y)
xtr, ytr, xte, yte = xt[tr], yt[tr], xt[te], yt[te]
torch.manual_seed(42)
model = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
"""),
    ("iris_fit", TORCH_IRIS_FIT + "fit_iris()"),
    ("iris_evaluate", """
with torch.no_grad():
    out = model(xte)
    print(f"loss {loss_fn(out, yte).item():.4f}, accuracy {(out.argmax(1) == yte).float().mean().item():.4f}")
"""),
    ("iris_fit_again", "fit_iris()"),
    ("iris_fit_quiet", "fit_iris()"),
    ("iris_fit_live_after", "fit_iris()"),
    ("mlp_setup", """
g = torch.Generator().manual_seed(1)
mx = torch.randn(12800, 784, generator=g)
my = torch.randint(0, 10, (12800,), generator=g)
torch.manual_seed(1)
mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
mlp_opt = torch.optim.Adam(mlp.parameters(), lr=0.001)
"""),
    ("mlp_fit", """
for epoch in range(3):
    order = torch.randperm(len(mx))
    for i in range(0, len(mx), 128):
        idx = order[i:i + 128]
        mlp_opt.zero_grad()
        loss = loss_fn(mlp(mx[idx]), my[idx])
        loss.backward()
        mlp_opt.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
"""),
]

# The live view on a fit longer than 0.5 s: the MLP fit three times, live, quiet, live.
MLP_FIT = "mlp.fit(mlpData, Fit.epochs(3).batch(128).optimizer(Adam.lr(0.001)).loss(Loss.crossEntropy())"
QUIVER_CELLS += [
    ("mlp_fit_live", MLP_FIT + ");"),
    ("mlp_fit_quiet", MLP_FIT + ".quiet());"),
    ("mlp_fit_live_after", MLP_FIT + ");"),
]
TORCH_CELLS += [(name, dict(TORCH_CELLS)["mlp_fit"])
                for name in ("mlp_fit_live", "mlp_fit_quiet", "mlp_fit_live_after")]
# Cells whose CPU time is kept as NAME_cpu, and the live view's costs: name -> (live, quiet, live).
CPU_CELLS = {"iris_fit", "mlp_fit_live", "mlp_fit_quiet", "mlp_fit_live_after"}
# Quiver only: the CPU of the threads that draw and relay the live view (view_cpu) per MLP fit.
VIEW_CPU_CELLS = {"mlp_fit_live", "mlp_fit_quiet", "mlp_fit_live_after"}
# name -> (live fit, quiet fit, live fit, the quiet figure its share is of)
LIVE_COSTS = {
    "live_view_cost": ("iris_fit_again", "iris_fit_quiet", "iris_fit_live_after", "iris_fit_quiet"),
    "mlp_live_view_cost": ("mlp_fit_live", "mlp_fit_quiet", "mlp_fit_live_after", "mlp_fit_quiet"),
    "mlp_live_view_cpu_cost": ("mlp_fit_live_cpu", "mlp_fit_quiet_cpu", "mlp_fit_live_after_cpu",
                               "mlp_fit_quiet_cpu"),
    "mlp_live_view_threads_cpu": ("mlp_fit_live_view_cpu", "mlp_fit_quiet_view_cpu",
                                  "mlp_fit_live_after_view_cpu", "mlp_fit_quiet_cpu"),
    "mlp_live_view_jit_cpu": ("mlp_fit_live_jit_cpu", "mlp_fit_quiet_jit_cpu",
                              "mlp_fit_live_after_jit_cpu", "mlp_fit_quiet_cpu"),
}

CELL_NAMES = (["start"] + [name for name, _ in QUIVER_CELLS]
              + ["launch_to_result", "iris_fit_cpu", "to_result_cpu"]
              + [name + "_cpu" for name in sorted(CPU_CELLS - {"iris_fit"})]
              + [name + k for name in sorted(VIEW_CPU_CELLS) for k in ("_view_cpu", "_jit_cpu")]
              + list(LIVE_COSTS))
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
TIMEOUT_S = 300


class CellFailed(Exception):
    pass


def run_cell(kc, code):
    """Seconds from execute_request to the kernel's idle status for it; raises on an error."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code, store_history=True)
    deadline = t0 + TIMEOUT_S
    replied, idle, error = False, False, None
    while not (replied and idle):
        left = deadline - time.perf_counter()
        if left <= 0:
            raise CellFailed(f"no reply within {TIMEOUT_S} s to:\n{code}")
        if not idle:
            try:
                m = kc.get_iopub_msg(timeout=min(left, 1.0))
            except Exception:
                m = None
            if m is not None and m["parent_header"].get("msg_id") == msg_id:
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
                    elapsed = time.perf_counter() - t0
                elif m["msg_type"] == "error":
                    error = m["content"]
        if not replied:
            try:
                r = kc.get_shell_msg(timeout=0 if not idle else min(left, 1.0))
            except Exception:
                r = None
            if r is not None and r["parent_header"].get("msg_id") == msg_id:
                replied = True
                if r["content"]["status"] != "ok":
                    error = error or r["content"]
    if error:
        raise CellFailed(f"{error.get('ename')}: {error.get('evalue')} in:\n{code}")
    return elapsed


def tree_cpu(pid):
    """CPU seconds (user + system) of a process and its descendants, or None without /proc."""
    if not os.path.isdir(f"/proc/{pid}"):
        return None
    ticks, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass                                   # it ended meanwhile
    return ticks / CLK_TCK


def view_cpu(pid):
    """CPU seconds (view, jit): of the threads that show Quiver's live view, the whole kernel
    process (it relays every display frame to IOPub; idle otherwise) and the cell JVM's renderer
    thread ("quiver-live-view", which draws each frame off the training thread); and of the cell
    JVM's JIT compiler threads. From /proc's schedstat (nanoseconds); None without /proc. A quiet
    fit's view figure is the kernel's idle noise."""
    if not os.path.isdir(f"/proc/{pid}/task"):
        return None
    ns, jit, todo = 0, 0, [(pid, True)]
    while todo:
        p, whole = todo.pop()
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/comm") as f:
                    comm = f.read()
                if whole or comm.startswith("quiver-live") or comm.startswith(("C1 ", "C2 ")):
                    with open(f"/proc/{p}/task/{t}/schedstat") as f:
                        t_ns = int(f.read().split()[0])
                    if whole or comm.startswith("quiver-live"):
                        ns += t_ns
                    else:
                        jit += t_ns
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [(int(c), False) for c in f.read().split()]
        except (OSError, ValueError):
            pass                                   # it ended meanwhile
    return ns / 1e9, jit / 1e9


def session(kernel, cells, think=0.0):
    """One fresh kernel: the start, then each cell (think seconds after the one before); seconds per
    name."""
    km = KernelManager(kernel_name=kernel)
    t0 = time.perf_counter()
    # ipykernel's debugger prints a warning about frozen modules on stderr at every start.
    km.start_kernel(**({} if kernel == QUIVER else {"stderr": subprocess.DEVNULL}))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        times = {"start": time.perf_counter() - t0}
        pid = km.provisioner.process.pid
        thought = 0.0
        for name, code in cells:
            if think:
                time.sleep(think)
                thought += think
            cpu0 = tree_cpu(pid)
            view0 = view_cpu(pid) if kernel == QUIVER and name in VIEW_CPU_CELLS else None
            times[name] = run_cell(kc, code)
            cpu1 = tree_cpu(pid)
            view1 = view_cpu(pid) if view0 is not None else None
            if view0 is not None and view1 is not None:
                times[name + "_view_cpu"] = view1[0] - view0[0]
                times[name + "_jit_cpu"] = view1[1] - view0[1]
            if name in CPU_CELLS and cpu0 is not None and cpu1 is not None:
                times[name + "_cpu"] = cpu1 - cpu0
            if name == "iris_evaluate":
                times["launch_to_result"] = time.perf_counter() - t0 - thought
                if cpu1 is not None:
                    times["to_result_cpu"] = cpu1
        for cost, (live, quiet, live_after, _) in LIVE_COSTS.items():
            if quiet in times:
                times[cost] = (times[live] + times[live_after]) / 2 - times[quiet]
        return times
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def summary(samples):
    return {"ms": round(statistics.median(samples) * 1e3, 1),
            "ms_min": round(min(samples) * 1e3, 1), "ms_max": round(max(samples) * 1e3, 1)}


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    peer = args[args.index("--vs") + 1] if "--vs" in args else None
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 5
    think = float(args[args.index("--think") + 1]) if "--think" in args else 0.0
    if peer not in (None, "torch"):
        sys.exit(f"bench felt: --vs {peer}: the only peer is torch (in ipykernel)")
    if runs < 1:
        sys.exit(f"bench felt: --runs must be at least 1, got {runs}")
    if think < 0:
        sys.exit(f"bench felt: --think must be 0 or more seconds, got {think}")
    sides = [("quiver", QUIVER, QUIVER_CELLS)] + ([("torch", PEER_KERNEL, TORCH_CELLS)] if peer else [])
    samples = {side: {name: [] for name in CELL_NAMES} for side, _, _ in sides}
    for run in range(runs):
        for side, kernel, cells in sides:          # alternating, so drift hits both alike
            for name, seconds in session(kernel, cells, think).items():
                samples[side][name].append(seconds)
            print(f"bench felt: {side} session {run + 1} of {runs} done", file=sys.stderr, flush=True)
    rows = []
    for name in CELL_NAMES:
        # The CPU rows, where there is no /proc, and Quiver's own rows (the live view's threads).
        present = [side for side, _, _ in sides if samples[side][name]]
        if not present:
            continue
        row = {"bench": "felt", "cell": name, "runs": runs, "think_s": think}
        for side in present:
            row.update({f"{side}_{k}": v for k, v in summary(samples[side][name]).items()})
        if name in LIVE_COSTS:
            # Against the quiet fit of the same session, not against torch.
            quiet = LIVE_COSTS[name][3]
            for side in present:
                shares = [c / q for c, q in zip(samples[side][name], samples[side][quiet])]
                row[f"{side}_share_of_quiet"] = round(statistics.median(shares), 3)
        elif len(present) == 2:
            row["ratio"] = round(row["quiver_ms"] / row["torch_ms"], 3)
        rows.append(row)
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    head = f"{'cell':<17} {'quiver ms (min-max)':>24}"
    if peer:
        head += f" {'torch ms (min-max)':>24} {'ratio':>6}"
    print(head)
    for row in rows:
        line = f"{row['cell']:<17} {_cell(row, 'quiver'):>24}"
        if peer:
            line += f" {_cell(row, 'torch') if 'torch_ms' in row else '':>24}"
            line += f" {row['ratio']:>6.2f}" if "ratio" in row else ""
        if row["cell"] in LIVE_COSTS:
            line += "   (share of the quiet fit: " + ", ".join(
                f"{side} {row[side + '_share_of_quiet']:.0%}" for side, _, _ in sides
                if side + "_share_of_quiet" in row) + ")"
        print(line)
    print(f"median of {runs} fresh kernels per side, alternating; a cell runs from execute_request to idle"
          + (f"; {think:g} s of thinking before each cell, left out of launch_to_result" if think else ""))


def _cell(row, side):
    return f"{row[side + '_ms']:.0f} ({row[side + '_ms_min']:.0f}-{row[side + '_ms_max']:.0f})"


if __name__ == "__main__":
    main()
