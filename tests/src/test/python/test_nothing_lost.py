"""Nothing lost, through jupyter_client: a cell that prints in a tight loop is interrupted within a
second with every variable kept; output floods (50 MB of lines, one 50 MB string, thousands of
displays, a huge result) are cut with a notice that says how much, in few messages, and the kernel
keeps answering; an interrupt sent while the first cell is still starting lands; a cell JVM that dies
is reported once and replaced by one; a replayed message is refused; a toString that throws is the
user's exception; a stack overflow's trace is a few lines that point at the cells, a
NullPointerException names the user's variable, and a cell printing 1 GB is cut in the cell JVM and
ends in seconds. Prints the figures it measures (interrupt latencies, flood sizes and times)."""
import re
import statistics
import time
import unittest
import uuid

from kernel_util import PROMPT_S, alive, children, drain, run, start, value

LIMIT = 10_000_000   # the kernel's default output limit per cell (handlers/OutputLimit.java)
NOTICE = re.compile(r"\[quiver: output cut: ([0-9.]+) (bytes?|KB|MB|GB)[^\]]*\]")
UNITS = {"byte": 1, "bytes": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}


def collect(kc, msg_id, timeout=120):
    """The iopub messages of one request until its idle status: [(type, content, time)]."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status":
            if m["content"]["execution_state"] == "idle":
                return out
            continue
        out.append((m["msg_type"], m["content"], time.time()))
    raise AssertionError(f"no idle status for {msg_id} in {timeout} s")


def reply_of(kc, msg_id, timeout=120):
    while True:
        r = kc.get_shell_msg(timeout=timeout)
        if r["parent_header"].get("msg_id") == msg_id:
            return r


def stream_text(outputs, name=None):
    return "".join(c["text"] for t, c, _ in outputs if t == "stream" and (name is None or c["name"] == name))


def notice_bytes(text):
    m = NOTICE.search(text)
    return None if m is None else float(m.group(1)) * UNITS[m.group(2)]


def nothing_after(kc, msg_id, seconds=0.5):
    """Whether no iopub message of msg_id arrives within seconds (after its idle status)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        except Exception:
            return True
        if m["parent_header"].get("msg_id") == msg_id:
            return False
    return True


def figures(name, values, unit="s"):
    print(f"{name}: median {statistics.median(values):.2f} {unit}, min {min(values):.2f}, "
          f"max {max(values):.2f} (n={len(values)})")


class Floods(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()
        cls.pid = cls.km.provisioner.process.pid
        value(cls.kc, '1 + 1')
        run(cls.kc, 'String kept = "before"; int keptNumber = 7; long i = 0;')

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)

    def one_cell_jvm(self):
        kids = children(self.pid)
        self.assertEqual(len(kids), 1, f"expected one cell JVM under the kernel, found {kids}")
        return kids[0]

    def assert_state_kept(self):
        self.assertEqual(value(self.kc, 'kept + "/" + keptNumber'), "before/7")

    def interrupt(self, code, wait=1.5):
        """Runs code, interrupts it after wait seconds; returns (reply, seconds to the reply, outputs)."""
        kc = self.kc
        drain(kc)
        msg_id = kc.execute(code)
        time.sleep(wait)
        t0 = time.time()
        self.km.interrupt_kernel()
        reply = reply_of(kc, msg_id, timeout=30)
        took = time.time() - t0
        outputs = collect(kc, msg_id, timeout=30)
        self.assertTrue(nothing_after(kc, msg_id), f"output of {code!r} arrived after its reply")
        return reply, took, outputs

    def test_01_print_loop_interrupted_keeps_every_variable(self):
        jvm = self.one_cell_jvm()
        times = []
        for attempt in range(6):
            reply, took, outputs = self.interrupt('while (true) System.out.println(i++);')
            self.assertEqual(reply["content"]["status"], "error", reply["content"])
            self.assertEqual(reply["content"]["ename"], "Interrupted")
            self.assertLess(took, PROMPT_S, f"try {attempt}: the interrupt took {took:.2f} s")
            times.append(took)
            self.assert_state_kept()
            self.assertEqual(value(self.kc, 'i > 0'), "true")
            self.assertEqual(self.one_cell_jvm(), jvm, "the cell JVM was replaced")
            text = stream_text(outputs)
            self.assertLessEqual(len(stream_text(outputs, "stdout")), LIMIT)
            # The last line shown is whole, and when output was cut the notice says how much.
            printed = stream_text(outputs, "stdout")
            if "output cut" in text:
                self.assertIsNotNone(notice_bytes(text), text[-300:])
            self.assertTrue(printed.endswith("\n"), printed[-100:])
        figures("interrupt of a tight print loop, to the reply", times)

    def flood(self, code, expected_bytes):
        kc = self.kc
        drain(kc)
        t0 = time.time()
        msg_id = kc.execute(code)
        outputs = collect(kc, msg_id, timeout=180)
        took = time.time() - t0
        reply = reply_of(kc, msg_id, timeout=30)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        shown = stream_text(outputs, "stdout")
        said = stream_text(outputs, "stderr")
        dropped = notice_bytes(said)
        self.assertIsNotNone(dropped, f"no notice of the cut output in {said[-500:]!r}")
        self.assertLessEqual(len(shown), LIMIT)
        self.assertGreater(len(shown), LIMIT * 0.99)
        self.assertAlmostEqual(len(shown.encode()) + dropped, expected_bytes, delta=0.1e6)
        self.assertLess(len(outputs), 50, f"{len(outputs)} messages")
        t1 = time.time()
        self.assertEqual(value(kc, '1 + 1'), "2")
        after = time.time() - t1
        print(f"{code[:60]!r}: {took:.2f} s, {len(outputs)} messages, {len(shown) / 1e6:.1f} MB shown, "
              f"notice: {NOTICE.search(said).group(0)}; the next cell answered in {after:.2f} s")
        return shown, said

    def test_02_fifty_megabytes_of_lines_cut_with_a_notice(self):
        shown, said = self.flood('String line = "x".repeat(999);\n'
                                 'for (int k = 0; k < 50_000; k++) System.out.println(line);', 50_000_000)
        self.assertEqual(shown, ("x" * 999 + "\n") * 10_000)     # cut at a line end, nothing garbled
        self.assertIn("(40,000 lines)", said)
        self.assertIn("a cell shows at most 10.0 MB", said)
        self.assert_state_kept()

    def test_03_one_fifty_megabyte_string_cut_with_a_notice(self):
        shown, said = self.flood('System.out.print("y".repeat(50_000_000));', 50_000_000)
        self.assertEqual(set(shown), {"y"})
        self.assertIn("40.0 MB", said)

    def test_04_control_answers_during_a_flood_and_the_interrupt_lands(self):
        kc = self.kc
        drain(kc)
        msg_id = kc.execute('while (true) System.out.print("z".repeat(10_000));')
        time.sleep(1.0)
        waits = []
        try:
            for _ in range(5):
                t0 = time.time()
                kc.control_channel.send(kc.session.msg("kernel_info_request", {}))
                r = kc.get_control_msg(timeout=10)
                waits.append(time.time() - t0)
                self.assertEqual(r["content"]["status"], "ok")
        finally:
            t0 = time.time()
            self.km.interrupt_kernel()
        self.assertLess(max(waits), PROMPT_S, f"control answered in {waits}")
        reply = reply_of(kc, msg_id, timeout=30)
        took = time.time() - t0
        collect(kc, msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(took, PROMPT_S)
        figures("kernel_info on control during a flood", waits)
        self.assert_state_kept()

    def test_05_display_flood_cut_with_a_notice(self):
        kc = self.kc
        drain(kc)
        msg_id = kc.execute('for (int k = 0; k < 3000; k++) '
                            'Display.show(dev.quiver.display.MimeBundle.text("d".repeat(10_000)));')
        outputs = collect(kc, msg_id, timeout=180)
        reply = reply_of(kc, msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        shown = [c for t, c, _ in outputs if t == "display_data"]
        self.assertEqual(len(shown), LIMIT // 10_000)
        said = stream_text(outputs, "stderr")
        self.assertIn("(2,000 displays)", said)
        self.assertAlmostEqual(notice_bytes(said), 20e6, delta=0.1e6)
        print(f"3000 displays of 10 KB: {len(shown)} shown; {NOTICE.search(said).group(0)}")

    def test_06_huge_result_cut_to_its_text_with_a_notice(self):
        kc = self.kc
        content, outputs = run(kc, '"r".repeat(12_000_000)', timeout=120)
        self.assertEqual(content["status"], "ok", content)
        results = [c for t, c, _ in outputs if t == "execute_result"]
        self.assertEqual(len(results), 1)
        text = results[0]["data"]["text/plain"]
        self.assertLess(len(text), LIMIT + 1000)
        self.assertIn("[quiver: result cut: its rendering (text/plain) is 12.0 MB, more than the 10.0 MB"
                      " a cell shows", text)
        self.assertEqual(value(kc, '2 + 2'), "4")

    def test_07_a_tostring_that_throws_is_the_users_exception(self):
        kc = self.kc
        content, outputs = run(kc, 'class Bad { public String toString() { throw new IllegalStateException("boom in toString"); } }\n'
                                   'new Bad()')
        self.assertEqual(content["status"], "error", content)
        self.assertEqual(content["ename"], "java.lang.IllegalStateException")
        self.assertIn("boom in toString", content["evalue"])
        trace = "\n".join(content["traceback"])
        self.assertIn("toString", trace)
        self.assertNotIn("KernelError", trace)
        self.assertNotIn("InternalException", trace)
        # A rendering that never returns stays interruptible.
        reply, took, _ = self.interrupt('class Slow { public String toString() { while (true) { } } }\nnew Slow()')
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(took, PROMPT_S)
        self.assert_state_kept()

    def test_08_a_replayed_message_is_refused_on_every_channel(self):
        kc = self.kc
        run(kc, 'int replays = 0;')
        session = kc.session
        msg = session.msg("execute_request", {"code": "replays++;", "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        frames = session.serialize(msg)
        kc.shell_channel.socket.send_multipart(frames)
        reply = reply_of(kc, msg["header"]["msg_id"], timeout=30)
        self.assertEqual(reply["content"]["status"], "ok")
        drain(kc)
        kc.shell_channel.socket.send_multipart(frames)       # the same frames, signature and all
        kc.control_channel.socket.send_multipart(frames)
        time.sleep(1.0)
        self.assertEqual(value(kc, 'replays'), "1")
        # A fresh message with the same code runs: only the exact replay is refused.
        run(kc, 'replays++;')
        self.assertEqual(value(kc, 'replays'), "2")

    def test_09_one_huge_full_batch_step_interrupted_keeps_the_model(self):
        kc = self.kc
        run(kc, 'var big = Datasets.randomLabels(6000, 512, 1);\n'
                'var wide = Sequential.of(Dense.of(4096), Dense.of(1)).input(512).seed(1);', timeout=120)
        # One whole step first: the model is built and the step's kernels compiled, so the interrupts
        # below land in the middle of fitting, in or between full-batch steps.
        content, _ = run(kc, 'wide.fit(big, Fit.epochs(1).fullBatch().optimizer(SGD.lr(0.01)).loss(Loss.mse()));',
                         timeout=300)
        self.assertEqual(content["status"], "ok", content)
        times = []
        for attempt in range(3):
            reply, took, _ = self.interrupt(
                'wide.fit(big, Fit.epochs(100).fullBatch().optimizer(SGD.lr(0.01)).loss(Loss.mse()));', wait=2.5)
            self.assertEqual(reply["content"]["status"], "error", reply["content"])
            self.assertLess(took, PROMPT_S, f"try {attempt}: the interrupt of a full-batch step took {took:.2f} s")
            times.append(took)
            self.assertEqual(value(kc, 'wide.predict(big.x()).shape()[1]'), "1")
        figures("interrupt of a 6000x512 -> 4096 full-batch fit", times)
        self.assert_state_kept()

    def test_10_a_death_is_reported_once_and_replaced_by_one_cell_jvm(self):
        kc = self.kc
        for death in range(3):
            old = self.one_cell_jvm()
            # Dies while no cell runs: the next cell says so once, and runs in the fresh JVM.
            run(kc, 'new Thread(() -> { try { Thread.sleep(300); } catch (InterruptedException e) { } '
                    'Runtime.getRuntime().halt(9); }).start();')
            time.sleep(2.5)
            self.assertFalse(alive(old), "the cell JVM did not die")
            content, outputs = run(kc, '1 + 1', timeout=120)
            self.assertEqual(content["status"], "ok", content)
            said = stream_text(outputs, "stderr")
            self.assertIn("The JVM running the cells exited with status 9", said)
            self.assertIn("this cell runs in a fresh one", said)
            self.assertEqual(len(children(self.pid)), 1, f"death {death}: {children(self.pid)}")
            content, outputs = run(kc, 'int afterDeath = ' + str(death) + ';')
            self.assertEqual(content["status"], "ok")
            self.assertNotIn("exited", stream_text(outputs))          # told once
            self.assertEqual(value(kc, 'afterDeath'), str(death))
        # Dies in a cell: that cell's error says so, once; the next cell runs normally.
        content, _ = run(kc, 'Runtime.getRuntime().halt(7);', timeout=120)
        self.assertEqual(content["ename"], "JvmExited")
        self.assertIn("status 7", content["evalue"])
        content, outputs = run(kc, '3 + 3', timeout=120)
        self.assertEqual(content["status"], "ok", content)
        self.assertNotIn("exited", stream_text(outputs))
        time.sleep(1)
        self.assertEqual(len(children(self.pid)), 1, f"{children(self.pid)}")
        run(kc, 'String kept = "before"; int keptNumber = 7; long i = 0;')

    def test_11_a_stack_overflow_is_short_points_at_the_cells_and_keeps_every_variable(self):
        kc = self.kc
        jvm = self.one_cell_jvm()
        defined, _ = run(kc, 'int f(int n) { return f(n + 1) + 1; }')
        content, _ = run(kc, 'int depth = 0;\nf(0)', timeout=120)
        self.assertEqual(content["status"], "error", content)
        self.assertEqual(content["ename"], "java.lang.StackOverflowError")
        trace = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in content["traceback"]]
        print("a stack overflow's traceback:\n" + "\n".join(trace))
        self.assertLessEqual(len(trace), 8, trace)
        self.assertEqual(trace[1], f"\tat f (cell [{defined['execution_count']}], line 1)")
        self.assertRegex(trace[2], r"^\t\[the line above repeated 1,023 more times\]$")
        self.assertIn("the JVM keeps only the innermost 1,024 frames", trace[3])
        # The cell that made the first call, at the line of its statement.
        self.assertEqual(trace[4], f"\tat cell [{content['execution_count']}], line 2")
        for line in trace:
            self.assertNotIn("JShell", line)
            self.assertNotIn("jdk.jshell", line)
            self.assertNotIn("dev.quiver.agent", line)
        # Mutual recursion: the cycle of two frames is shown once.
        content, _ = run(kc, 'int g(int n) { return h(n) + 1; }\nint h(int n) { return g(n) + 1; }')
        content, _ = run(kc, 'g(1)', timeout=120)
        trace = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in content["traceback"]]
        self.assertIn("\t[the 2 lines above repeated 511 more times]", trace, trace)
        self.assertLessEqual(len(trace), 8, trace)
        self.assert_state_kept()
        self.assertEqual(value(kc, 'depth'), "0")
        self.assertEqual(self.one_cell_jvm(), jvm, "the cell JVM was replaced")

    def test_12_a_null_pointer_names_the_users_variable(self):
        kc = self.kc
        run(kc, 'String s = null;')
        content, _ = run(kc, 's.length()')
        self.assertEqual(content["ename"], "java.lang.NullPointerException")
        self.assertEqual(content["evalue"], 'Cannot invoke "String.length()" because "s" is null')
        # A local variable, a field of the user's class, and a method's result.
        run(kc, 'class Box { String label; }\n'
                'int labelLength(Box b) { return b.label.length(); }\n'
                'String nothing() { return null; }')
        content, _ = run(kc, '{ Box box = null; box.label = "x"; }')
        self.assertEqual(content["evalue"], 'Cannot assign field "label" because "box" is null')
        content, _ = run(kc, 'labelLength(new Box())')
        self.assertEqual(content["evalue"], 'Cannot invoke "String.length()" because "b.label" is null')
        content, _ = run(kc, 'nothing().trim()')
        self.assertEqual(content["evalue"],
                         'Cannot invoke "String.trim()" because the return value of "nothing()" is null')
        trace = "\n".join(content["traceback"])
        self.assertNotIn("$JShell$", trace)
        self.assertNotIn("REPL.", trace)
        # The user's own exception class is named as they named it.
        run(kc, 'class Oops extends RuntimeException { Oops(String m) { super(m); } }')
        content, _ = run(kc, 'throw new Oops("bad input")')
        self.assertEqual((content["ename"], content["evalue"]), ("Oops", "bad input"))

    def test_13_a_gigabyte_printed_is_cut_in_the_cell_jvm_and_ends_soon_with_the_notice(self):
        kc = self.kc
        drain(kc)
        code = ('String gigaLine = "g".repeat(999);\n'
                'for (int k = 0; k < 1_000_000; k++) System.out.println(gigaLine);')
        t0 = time.time()
        msg_id = kc.execute(code)
        outputs = collect(kc, msg_id, timeout=300)
        took = time.time() - t0
        reply = reply_of(kc, msg_id, timeout=30)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        shown = stream_text(outputs, "stdout")
        said = stream_text(outputs, "stderr")
        self.assertEqual(shown, ("g" * 999 + "\n") * 10_000)
        self.assertIn("[quiver: output cut: 990.0 MB (990,000 lines) of this cell's output not shown: "
                      "a cell shows at most 10.0 MB", said)
        print(f"1 GB printed (1,000,000 lines): {took:.2f} s to idle, {len(outputs)} messages; "
              f"{NOTICE.search(said).group(0)}")
        # Generous: before, the kernel read and counted all of it (about a minute on this machine).
        self.assertLess(took, 30, f"1 GB printed took {took:.1f} s")
        self.assert_state_kept()

    def test_14_errors_in_the_api_speak_of_what_the_user_wrote(self):
        kc = self.kc
        content, _ = run(kc, 'Tensor.ones(3, 4).softmax(5)')
        self.assertEqual(content["evalue"],
                         "softmax(5): dim 5 is out of range for a tensor of shape [3,4] (rank 2: dims -2 to 1)")
        content, _ = run(kc, 'var two = Dataset.of(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), Tensor.of(1f, 2f));\n'
                             'Sequential.of(Dense.of(1)).input(2).fit(two, Fit.epochs(1).optimizer(SGD.lr(0.1))'
                             '.loss(Loss.mse()).validationSplit(0.1).quiet());', timeout=120)
        self.assertEqual(content["evalue"], "fit: validationSplit(0.1) of 2 rows holds out no row for "
                                            "validation; use more rows or a larger split")
        content, _ = run(kc, 'var dirty = Dataset.of(Tensor.of(new float[] {1, 2, 3, 4, 5, Float.NaN, 7, 8}, 4, 2),'
                             ' Tensor.of(1f, 2f, 3f, 4f));\n'
                             'Sequential.of(Dense.of(1)).seed(1).input(2).fit(dirty, Fit.epochs(1).batch(4)'
                             '.optimizer(SGD.lr(0.01)).loss(Loss.mse()).quiet());', timeout=120)
        self.assertRegex(content["evalue"],
                         r"^fit: the loss became NaN at step 0 \(epoch 1, batch 1\) because the batch's inputs "
                         r"are not finite: NaN at row \d of the batch, value 1 of that row\. Clean the data")
        self.assertNotIn("learning rate", content["evalue"])

    def test_15_long_lines_interrupted_before_and_after_the_limit_end_with_a_whole_line(self):
        run(self.kc, 'String longLine = "w".repeat(999);')
        for wait in (0.3, 3.0):
            reply, took, outputs = self.interrupt('while (true) System.out.println(longLine);', wait=wait)
            self.assertEqual(reply["content"]["ename"], "Interrupted")
            printed = stream_text(outputs, "stdout")
            self.assertTrue(printed.endswith("\n"), printed[-100:])
            self.assertEqual(set(printed.split("\n")[:-1]), {"w" * 999} if printed else set())
            self.assertLessEqual(len(printed), LIMIT)
            said = stream_text(outputs, "stderr")
            self.assertIsNotNone(notice_bytes(said), said)
            print(f"lines of 1,000 bytes interrupted after {wait} s: reply in {took:.2f} s, "
                  f"{len(printed) / 1e6:.2f} MB shown; {NOTICE.search(said).group(0)}")
        self.assert_state_kept()


class FirstCell(unittest.TestCase):
    def test_an_interrupt_while_the_first_cell_starts_lands(self):
        times = []
        for attempt in range(3):
            km, kc = start()
            try:
                msg_id = kc.execute('long n = 0; while (true) n++;')
                time.sleep(0.2)               # the cell JVM is still starting
                t0 = time.time()
                km.interrupt_kernel()
                reply = reply_of(kc, msg_id, timeout=60)
                took = time.time() - t0
                self.assertEqual(reply["content"]["status"], "error", reply["content"])
                self.assertEqual(reply["content"]["ename"], "Interrupted")
                times.append(took)
                self.assertEqual(value(kc, '1 + 1'), "2")
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
        figures("interrupt sent 0.2 s after a new kernel's first cell, to the reply", times)


if __name__ == "__main__":
    unittest.main(verbosity=2)
