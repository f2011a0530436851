"""./quiver bench kernel: cold start, first cell and warm `1 + 1` latency through jupyter_client.

cold_start_ms: from starting the kernel process to its first kernel_info_reply (median of 5).
first_cell_ms: from that reply to the execute_reply of the first `1 + 1` (median of the 5).
warm_p50_ms / warm_p95_ms: execute_request -> execute_reply of `1 + 1`, 100 cells, one kernel.
warm_new_p50_ms / warm_new_p95_ms: the same for 100 cells that differ (`1 + 1`, `2 + 1`, ...), so
  none can reuse a class the kernel compiled for an earlier cell (quick cells keep the class of a
  cell run again: warm_p50_ms measures that, this one the compile every new cell needs).
"""
import json
import os
import statistics
import sys
import time

from jupyter_client import KernelManager

KERNEL = os.environ.get("QUIVER_BENCH_KERNEL", "quiver-java")


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
    while True:
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


def main():
    as_json = "--json" in sys.argv
    colds, firsts = [], []
    for i in range(5):
        km, kc, cold, first = cold_start()
        colds.append(cold)
        firsts.append(first)
        if i < 4:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
    for _ in range(10):
        execute(kc, "1 + 1")               # warm-up
    warm = []
    for _ in range(100):
        t0 = time.perf_counter()
        execute(kc, "1 + 1")
        warm.append((time.perf_counter() - t0) * 1000)
    new = []
    for i in range(100):
        t0 = time.perf_counter()
        execute(kc, f"{i + 2} + 1")
        new.append((time.perf_counter() - t0) * 1000)
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    warm.sort()
    new.sort()
    result = {"cold_start_ms": round(statistics.median(colds), 1), "first_cell_ms": round(statistics.median(firsts), 1),
              "warm_p50_ms": round(warm[49], 2), "warm_p95_ms": round(warm[94], 2),
              "warm_new_p50_ms": round(new[49], 2), "warm_new_p95_ms": round(new[94], 2)}
    if as_json:
        print(json.dumps(result))
    else:
        print(f"cold start to kernel_info_reply: {result['cold_start_ms']} ms (median of 5; target <= 800)")
        print(f"first cell `1 + 1` after that:   {result['first_cell_ms']} ms (median of 5; target <= 500)")
        print(f"warm `1 + 1` p50 / p95:          {result['warm_p50_ms']} / {result['warm_p95_ms']} ms (100 cells; target p50 <= 10)")
        print(f"warm new cells p50 / p95:        {result['warm_new_p50_ms']} / {result['warm_new_p95_ms']} ms (100 different cells, each compiled)")


if __name__ == "__main__":
    main()
