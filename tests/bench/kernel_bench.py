"""./quiver bench kernel: cold start, first cell and warm `1 + 1` latency through jupyter_client.

Five fresh kernels; every figure is the median over them, with `_min` and `_max` beside it.
cold_start_ms: from starting the kernel process to its first kernel_info_reply.
first_cell_ms: from that reply to the execute_reply of the first `1 + 1`.
warm_p50_ms / warm_p95_ms: execute_request -> execute_reply of `1 + 1`, 100 cells in the kernel.
warm_new_p50_ms / warm_new_p95_ms: the same for 100 cells that differ (`1 + 1`, `2 + 1`, ...), so
  none can reuse a class the kernel compiled for an earlier cell (quick cells keep the class of a
  cell run again: warm_p50_ms measures that, this one the compile every new cell needs).
warm_decl_p50_ms / warm_decl_p95_ms: the same for a cell of two declarations, 100 times:
  `int a = 1; int f(int x) { return x + a; }` (run again unchanged: the method is kept and the
  variable's initializer runs as a quick cell, see the kernel's Redeclarations).
warm_decl_edit_p50_ms / warm_decl_edit_p95_ms: the same cell edited each time (`int a = 2; int f(int x)
  { return x + a + 2; }`, then 3, ...): each run redefines both through JShell's pipeline.
"""
import json
import os
import statistics
import sys
import time

from jupyter_client import KernelManager

KERNEL = os.environ.get("QUIVER_BENCH_KERNEL", "quiver-java")
KERNELS = 5
DECLARATIONS = "int a = 1; int f(int x) { return x + a; }"
DECLARATIONS_EDITED = "int a = {i}; int f(int x) {{ return x + a + {i}; }}"


def execute(kc, code):
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            assert reply["content"]["status"] == "ok", reply["content"]
            return


def cold_start():
    km = KernelManager(kernel_name=KERNEL)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.kernel_info()                       # the first one can be lost before the sockets connect
    deadline = time.perf_counter() + 120
    while True:
        if time.perf_counter() > deadline:
            km.shutdown_kernel(now=True)
            sys.exit("bench kernel: no kernel_info_reply within 120 s of starting the kernel")
        try:
            m = kc.get_shell_msg(timeout=0.05)
            if m["msg_type"] == "kernel_info_reply":
                break
        except Exception:
            kc.kernel_info()
    t1 = time.perf_counter()
    execute(kc, "1 + 1")
    t2 = time.perf_counter()
    return km, kc, (t1 - t0) * 1000, (t2 - t1) * 1000


def warm(kc):
    """p50 and p95 (ms) of `1 + 1` run 100 times, then of 100 different cells, in one kernel."""
    for _ in range(10):
        execute(kc, "1 + 1")               # warm-up
    same, new = [], []
    for _ in range(100):
        t0 = time.perf_counter()
        execute(kc, "1 + 1")
        same.append((time.perf_counter() - t0) * 1000)
    for i in range(100):
        t0 = time.perf_counter()
        execute(kc, f"{i + 2} + 1")
        new.append((time.perf_counter() - t0) * 1000)
    for _ in range(10):
        execute(kc, DECLARATIONS)          # warm-up
    decl = []
    for _ in range(100):
        t0 = time.perf_counter()
        execute(kc, DECLARATIONS)
        decl.append((time.perf_counter() - t0) * 1000)
    same.sort()
    new.sort()
    edit = []
    for i in range(100):
        t0 = time.perf_counter()
        execute(kc, DECLARATIONS_EDITED.format(i=i + 2))
        edit.append((time.perf_counter() - t0) * 1000)
    decl.sort()
    edit.sort()
    return {"warm_p50_ms": same[49], "warm_p95_ms": same[94], "warm_new_p50_ms": new[49], "warm_new_p95_ms": new[94],
            "warm_decl_p50_ms": decl[49], "warm_decl_p95_ms": decl[94],
            "warm_decl_edit_p50_ms": edit[49], "warm_decl_edit_p95_ms": edit[94]}


def main():
    as_json = "--json" in sys.argv
    samples = {}
    for i in range(KERNELS):
        km, kc, cold, first = cold_start()
        try:
            figures = {"cold_start_ms": cold, "first_cell_ms": first, **warm(kc)}
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        for k, v in figures.items():
            samples.setdefault(k, []).append(v)
    # Every figure: the median over the kernels, with its min and max.
    result = {}
    for k, vs in samples.items():
        result[k] = round(statistics.median(vs), 2)
        result[k + "_min"] = round(min(vs), 2)
        result[k + "_max"] = round(max(vs), 2)
    result["kernels"] = KERNELS
    if as_json:
        print(json.dumps(result))
    else:
        def r(k):
            return f"{result[k]} ms ({result[k + '_min']}-{result[k + '_max']})"
        print(f"median of {KERNELS} fresh kernels (min-max):")
        print(f"cold start to kernel_info_reply: {r('cold_start_ms')} (target <= 800)")
        print(f"first cell `1 + 1` after that:   {r('first_cell_ms')} (target <= 500)")
        print(f"warm `1 + 1` p50:                {r('warm_p50_ms')} (100 cells; target <= 10)")
        print(f"warm `1 + 1` p95:                {r('warm_p95_ms')}")
        print(f"warm new cells p50:              {r('warm_new_p50_ms')} (100 different cells, each compiled)")
        print(f"warm new cells p95:              {r('warm_new_p95_ms')}")
        print(f"warm declarations p50:           {r('warm_decl_p50_ms')} (`{DECLARATIONS}`, 100 cells; target <= 10)")
        print(f"warm declarations p95:           {r('warm_decl_p95_ms')}")
        print(f"warm edited declarations p50:    {r('warm_decl_edit_p50_ms')} (the same cell edited each time: JShell's pipeline)")
        print(f"warm edited declarations p95:    {r('warm_decl_edit_p95_ms')}")


if __name__ == "__main__":
    main()
