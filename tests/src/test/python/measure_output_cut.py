"""Figures for issue 17 (not a test; run by hand, see docs/benchmarks.md): a cell that prints 1 GB
(1,000,000 lines of 1,000 bytes) in a fresh kernel, from the request to its idle status, with what
was shown and the notice. Run it against two kernelspecs (two JUPYTER_DATA_DIRs) alternately to
compare builds: `JUPYTER_DATA_DIR=DIR python3 measure_output_cut.py quiver-java LABEL`."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jupyter_client.manager import start_new_kernel

CODE = 'String line = "x".repeat(999);\nfor (int k = 0; k < 1_000_000; k++) System.out.println(line);'

name, label = sys.argv[1], sys.argv[2]
km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
try:
    kc.execute_interactive("1 + 1", timeout=120, output_hook=lambda m: None)
    shown = messages = 0
    notice = ""

    def hook(m):
        global shown, messages, notice
        if m["msg_type"] == "stream":
            messages += 1
            if m["content"]["name"] == "stdout":
                shown += len(m["content"]["text"].encode())
            else:
                notice += m["content"]["text"]

    t0 = time.time()
    reply = kc.execute_interactive(CODE, timeout=600, output_hook=hook)
    took = time.time() - t0
    print(f"{label}: 1 GB printed: {took:.2f} s to idle, status {reply['content']['status']}, "
          f"{shown / 1e6:.1f} MB shown in {messages} stream messages; notice {notice.strip()!r}", flush=True)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
