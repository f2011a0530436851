"""jupyter console answers a Java cell."""
import os
import subprocess
import unittest

KERNEL = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")


class Console(unittest.TestCase):
    def test_console_answers(self):
        done = subprocess.run(["jupyter-console", f"--kernel={KERNEL}", "--simple-prompt", "--no-confirm-exit"],
                              input="6 * 7\nSystem.out.println(\"from console\");\n", capture_output=True,
                              text=True, timeout=90)
        print(done.stdout[-2000:])
        self.assertIn("42", done.stdout)
        self.assertIn("from console", done.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
