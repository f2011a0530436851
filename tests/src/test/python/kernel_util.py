"""Helpers for the Quiver kernel tests: start a kernel, run cells, watch processes."""
import os
import signal
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

KERNEL = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# How long an interrupt or a control request may take before a test calls it lost. The tests check
# that the kernel answers at all while a cell runs, not how fast: on a loaded CI machine a prompt
# answer can take seconds. How fast it is (about 0.05 s quiet) is measured by
# measure_nothing_lost.py and reported in docs/benchmarks.md, never asserted by a test.
PROMPT_S = float(os.environ.get("QUIVER_TEST_PROMPT_S", "5"))


def start(env=None):
    """A fresh kernel and its client; env: variables added to the kernel's environment."""
    # A process started from a background shell (nohup, `cmd &` in a script) inherits SIGINT
    # ignored, and so would the kernel: a JVM cannot handle a signal ignored at its start, and
    # the SIGINT test would wait forever. A frontend a user runs handles SIGINT (Jupyter's server
    # does), so its kernels start with the default; so do ours.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    kwargs = {"env": {**os.environ, **env}} if env else {}
    return start_new_kernel(kernel_name=KERNEL, startup_timeout=120, **kwargs)


# A cell that answers what the cell JVM's training warm-up (the thread "quiver-warm-up",
# docs/kernel.md) is doing while a cell runs, as the cell sees it: "none", or its state and top frames once it has parked
# (it finishes the step it is in first: at the least priority, on a loaded machine, that can take
# a while), or as it is after 10 s.
WARM_UP_PROBE = """((java.util.function.Supplier<String>) () -> {
    String seen = "none";
    for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end; ) {
        try { Thread.sleep(100); } catch (InterruptedException e) { }
        seen = Thread.getAllStackTraces().entrySet().stream()
            .filter(e -> e.getKey().getName().equals("quiver-warm-up"))
            .map(e -> e.getKey().getState() + " " + java.util.Arrays.stream(e.getValue()).limit(8)
                .map(f -> f.getClassName().replaceAll(".*[.]", "") + "." + f.getMethodName()).toList())
            .findFirst().orElse("none");
        if (seen.equals("none") || seen.contains("CellGate.awaitIdle")) break;
    }
    return seen;
}).get()"""


def await_warm_up(kc, timeout=120):
    """Waits, idle, until the cell JVM's training warm-up has ended (it runs only while the kernel is
    idle), so that what a test measures next is not the warm-up's CPU; returns the probes' answers."""
    answers = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        answers.append(value(kc, WARM_UP_PROBE))
        if answers[-1] == "none":
            return answers
        time.sleep(1)
    raise AssertionError(f"the warm-up did not end within {timeout} s: {answers[-3:]}")


def run(kc, code, timeout=60, allow_stdin=False, stdin_hook=None):
    """Runs a cell; returns (reply content, [(msg_type, content, arrival time)])."""
    outputs = []
    kwargs = {}
    if stdin_hook is not None:
        kwargs["stdin_hook"] = stdin_hook
    reply = kc.execute_interactive(code, allow_stdin=allow_stdin, timeout=timeout,
                                   output_hook=lambda m: outputs.append((m["msg_type"], m["content"], time.time())),
                                   **kwargs)
    return reply["content"], [o for o in outputs if o[0] not in ("status", "execute_input")]


def value(kc, code):
    """The text/plain result of a cell that must succeed."""
    content, outputs = run(kc, code)
    assert content["status"] == "ok", (code, content, outputs)
    results = [o[1]["data"]["text/plain"] for o in outputs if o[0] == "execute_result"]
    assert results, (code, outputs)
    return results[-1]


def children(pid):
    """Pids of the direct children of pid."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
            except OSError:
                pass
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def drain(kc):
    for get in (kc.get_iopub_msg, kc.get_shell_msg):
        while True:
            try:
                get(timeout=0.2)
            except Empty:
                break


def interrupt_and_wait(km, kc, msg_id, timeout=10):
    """Interrupts the kernel and waits for the execute_reply of msg_id.
    Returns (reply, seconds from the interrupt to the reply)."""
    t0 = time.time()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply, time.time() - t0
