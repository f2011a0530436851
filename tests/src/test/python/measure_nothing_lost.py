"""Figures for issue 17 (not a test; run by hand, see docs/benchmarks.md): a tight print loop interrupted N times (reply time, deaths, variables kept),
and 50 MB printed (bytes received, messages, time), for Quiver and ipykernel in the same run."""
import os, sys, time, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jupyter_client.manager import start_new_kernel
from kernel_util import children, drain

KERNELS = {
    "quiver": dict(setup='String kept = "before"; long i = 0;', loop='while (true) System.out.println(i++);',
                   check='kept + "/" + (i > 0)', expect="before/true",
                   flood='String line = "x".repeat(999);\nfor (int k = 0; k < 50_000; k++) System.out.println(line);',
                   flood1='System.out.print("y".repeat(50_000_000));'),
    "python3": dict(setup='kept = "before"; i = 0', loop='while True:\n    print(i); i += 1',
                    check='kept + "/" + str(i > 0)', expect="'before/True'",
                    flood='line = "x" * 999\nfor k in range(50_000): print(line)',
                    flood1='print("y" * 50_000_000, end="")'),
}

def reply_of(kc, msg_id, timeout=60):
    while True:
        r = kc.get_shell_msg(timeout=timeout)
        if r["parent_header"].get("msg_id") == msg_id:
            return r

def collect(kc, msg_id, timeout=120):
    n = size = 0
    notice = ""
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "stream":
            n += 1
            size += len(m["content"]["text"].encode())
            if "[quiver" in m["content"]["text"] or "rate" in m["content"]["text"]:
                notice = m["content"]["text"][-200:]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return n, size, notice

def value(kc, code):
    kc.execute(code)
    out = None
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["msg_type"] == "execute_result":
            out = m["content"]["data"]["text/plain"]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" and out is not None:
            return out
        if m["msg_type"] == "error":
            return "error"

name, tries = sys.argv[1], int(sys.argv[2])
k = KERNELS["quiver" if name != "python3" else "python3"]
km, kc = start_new_kernel(kernel_name=name if name == "python3" else "quiver-java", startup_timeout=120)
pid = km.provisioner.process.pid
value(kc, "1 + 1")
kc.execute(k["setup"]); time.sleep(1); drain(kc)
times, deaths, lost = [], 0, 0
for t in range(tries):
    msg_id = kc.execute(k["loop"])
    time.sleep(1.5)
    t0 = time.time(); km.interrupt_kernel()
    r = reply_of(kc, msg_id)
    times.append(time.time() - t0)
    collect(kc, msg_id)
    v = value(kc, k["check"])
    if v != k["expect"]:
        lost += 1
        kc.execute(k["setup"]); time.sleep(1); drain(kc)
    if name != "python3" and len(children(pid)) != 1:
        deaths += 1
print(f"{name}: print loop interrupted {tries} times: reply median {statistics.median(times):.2f} s, "
      f"min {min(times):.2f}, max {max(times):.2f}; variables lost {lost}; extra cell JVMs {deaths}")
for label in ("flood", "flood1"):
    drain(kc)
    t0 = time.time()
    msg_id = kc.execute(k[label])
    n, size, notice = collect(kc, msg_id, timeout=300)
    took = time.time() - t0
    r = reply_of(kc, msg_id)
    print(f"{name}: {label}: {size/1e6:.1f} MB received in {n} stream messages, {took:.2f} s, status "
          f"{r['content']['status']}; notice: {notice.strip()!r}")
kc.stop_channels(); km.shutdown_kernel(now=True)
