"""The README's Java examples pasted as they are, each block into one cell, in one kernel, in order
(as a newcomer tries them): every block runs without an error, the values its lines show come
out, and a cell with a line that is not Java fails before any of its lines run."""
import os
import re
import unittest

from kernel_util import run, start

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))


def java_blocks(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"```java\n(.*?)```", f.read(), re.S)


def shown(outputs):
    """The text/plain of every value the cell showed, in order: display_data (but a fit's progress,
    which has a display id to update) and execute_result."""
    return [o[1]["data"].get("text/plain", "") for o in outputs
            if o[0] == "execute_result"
            or o[0] == "display_data" and not o[1].get("transient", {}).get("display_id")]


class Readme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def test_1_every_block_of_the_readme_runs_pasted_into_one_cell(self):
        blocks = java_blocks(os.path.join(ROOT, "README.md"))
        self.assertGreaterEqual(len(blocks), 3, "the README's Java blocks")
        for i, block in enumerate(blocks):
            content, outputs = run(self.kc, block, timeout=300)
            errors = [o[1] for o in outputs if o[0] == "error"]
            self.assertEqual("ok", content["status"], f"README block {i + 1} failed:\n{block}\n{content}\n{errors}")
            values = shown(outputs)
            print(f"README block {i + 1}: {len(block.splitlines())} lines, {len(values)} values shown")
            self.assertGreaterEqual(len(values), 1, f"README block {i + 1} showed nothing: {outputs}")
            if i == 0:
                # model.evaluate(...) then model: the metrics, then the model's summary.
                self.assertEqual(2, len(values), values)
                self.assertIn("accuracy", values[0])
                self.assertIn("Dense", values[1])
            if i == 1:
                # w.grad(), b.grad(), then the softmax: three values.
                self.assertEqual(3, len(values), values)

    def test_2_a_line_that_is_not_java_fails_the_cell_before_anything_runs(self):
        content, outputs = run(self.kc, 'System.out.println("ran")\nint bad = 1 +* 2\nSystem.out.println("after")')
        self.assertEqual("error", content["status"])
        printed = "".join(o[1]["text"] for o in outputs if o[0] == "stream")
        self.assertNotIn("ran", printed, "the first line ran before the error was found")
        print("a syntax error on line 2 stops the cell before line 1 runs:", content["evalue"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
