"""jupyter nbconvert --execute of a notebook that uses display, update, clear and magics."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOK = os.path.join(HERE, "..", "notebooks", "kernel-features.ipynb")
KOTLIN_NOTEBOOK = os.path.join(HERE, "..", "notebooks", "kotlin-interop.ipynb")
KERNEL = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")


def texts(outputs):
    out = []
    for o in outputs:
        if o["output_type"] == "stream":
            out.append(o["text"] if isinstance(o["text"], str) else "".join(o["text"]))
        elif "data" in o:
            t = o["data"].get("text/plain", "")
            out.append(t if isinstance(t, str) else "".join(t))
    return "".join(out)


class NbconvertExecute(unittest.TestCase):
    def execute(self, notebook, cell_timeout, timeout):
        """Runs `jupyter nbconvert --execute` on the notebook in the Quiver kernel; returns its cells."""
        with tempfile.TemporaryDirectory() as tmp:
            target = os.path.join(tmp, "executed.ipynb")
            cmd = ["jupyter-nbconvert", "--to", "notebook", "--execute", f"--ExecutePreprocessor.kernel_name={KERNEL}",
                   f"--ExecutePreprocessor.timeout={cell_timeout}", "--output", target, notebook]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            sys.stdout.write(done.stderr[-3000:])
            self.assertEqual(done.returncode, 0, "nbconvert failed")
            with open(target) as f:
                return json.load(f)["cells"]

    def test_execute_feature_notebook(self):
        cells = self.execute(NOTEBOOK, cell_timeout=120, timeout=240)
        outs = [c["outputs"] for c in cells]
        self.assertIn("Cell magics: %%html", texts(outs[0]))
        self.assertIn('<b id="quiver-bold">bold</b>', "".join(outs[1][0]["data"]["text/html"]))
        self.assertIn("# A title", "".join(outs[2][0]["data"]["text/markdown"]))
        self.assertIn("\\frac", "".join(outs[3][0]["data"]["text/latex"]))
        # update_display_data replaced the output in place: one output, the last step.
        self.assertEqual(len(outs[4]), 1, outs[4])
        self.assertEqual(texts(outs[4]), "step 3")
        self.assertIn("Wall time:", texts(outs[5]))
        self.assertIn("499500", texts(outs[5]))
        self.assertIn("per loop", texts(outs[6]))
        self.assertIn("printed", texts(outs[7]))
        self.assertIn("text/html", [k for o in outs[7] if "data" in o for k in o["data"]])
        self.assertEqual(texts(outs[8]).strip(), "stays")

    def test_execute_kotlin_interop_notebook(self):
        cells = [c for c in self.execute(KOTLIN_NOTEBOOK, cell_timeout=180, timeout=300) if c["cell_type"] == "code"]
        outs = [c["outputs"] for c in cells]
        self.assertIn("Total params: 165", texts(outs[0]))
        # Trained from Kotlin: the progress display, the printed line, the evaluation as a result.
        self.assertIn("trained for 60 epochs from Kotlin", texts(outs[1]))
        self.assertIn("text/html", [k for o in outs[1] if o["output_type"] == "execute_result" for k in o["data"]])
        accuracy = float(texts(outs[1]).rsplit("accuracy ", 1)[1].split()[0].rstrip(","))
        self.assertGreater(accuracy, 0.85)
        # Back in Java: Kotlin's values as Java variables.
        self.assertIn("epochs: 60, history is a History", texts(outs[2]))
        self.assertIn("[30, 3]", texts(outs[3]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
