"""A real browser: headless Chromium (driven by chromedriver over the W3C WebDriver protocol)
opens the classic Notebook, runs a Java cell and reads its output from the page."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
import uuid

KERNEL = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {timeout} s")


class Browser(unittest.TestCase):
    def test_notebook_runs_a_java_cell(self):
        tmp = tempfile.mkdtemp()
        procs = []
        try:
            nb = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                             "source": "var answer = 6 * 7;\n\"answer is \" + answer"}],
                  "metadata": {"kernelspec": {"name": KERNEL, "display_name": "Java (Quiver)", "language": "java"}},
                  "nbformat": 4, "nbformat_minor": 4}
            with open(os.path.join(tmp, "browser.ipynb"), "w") as f:
                json.dump(nb, f)
            token = uuid.uuid4().hex
            nb_port, wd_port = free_port(), free_port()
            procs.append(subprocess.Popen(
                ["jupyter-notebook", "--no-browser", f"--port={nb_port}", "--ip=127.0.0.1", f"--NotebookApp.token={token}",
                 f"--notebook-dir={tmp}", "--allow-root"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            procs.append(subprocess.Popen(["chromedriver", f"--port={wd_port}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_http(f"http://127.0.0.1:{nb_port}/api?token={token}")
            wd = f"http://127.0.0.1:{wd_port}"
            wait_http(f"{wd}/status")
            caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
                "binary": shutil.which("chromium") or "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}}
            session = http("POST", f"{wd}/session", caps)["value"]["sessionId"]
            s = f"{wd}/session/{session}"

            def js(script):
                return http("POST", f"{s}/execute/sync", {"script": script, "args": []})["value"]

            def wait_js(script, what, timeout=90):
                deadline = time.time() + timeout
                while time.time() < deadline:
                    v = js(script)
                    if v:
                        return v
                    time.sleep(0.3)
                raise AssertionError(f"timed out waiting for {what}")

            try:
                http("POST", f"{s}/url", {"url": f"http://127.0.0.1:{nb_port}/notebooks/browser.ipynb?token={token}"})
                wait_js("return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                        " && Jupyter.notebook.kernel.is_connected());", "the kernel to connect")
                self.assertEqual(js("return Jupyter.notebook.kernel.name;"), KERNEL)
                # Select the cell and press Shift-Enter on it, as a user would.
                cell = http("POST", f"{s}/element", {"using": "css selector", "value": ".code_cell .CodeMirror"})["value"]
                element = next(iter(cell.values()))
                http("POST", f"{s}/element/{element}/click", {})
                http("POST", f"{s}/actions", {"actions": [{"type": "key", "id": "kb", "actions": [
                    {"type": "keyDown", "value": "\ue008"}, {"type": "keyDown", "value": "\ue007"},
                    {"type": "keyUp", "value": "\ue007"}, {"type": "keyUp", "value": "\ue008"}]}]})
                text = wait_js("var o = document.querySelector('.output_area .output_subarea');"
                               " return o && o.innerText.indexOf('answer is 42') >= 0 ? o.innerText : null;",
                               "the cell's output on the page")
                print("page shows:", text.strip())
                # The prompt turns from [*] to [1] with the execute_reply, which may come a moment
                # after the output the page already shows.
                prompt = wait_js("var p = document.querySelector('.input_prompt').innerText;"
                                 " return p.indexOf('[1]') >= 0 ? p : null;", "the cell's prompt to show [1]", timeout=30)
                self.assertIn("[1]", prompt)
            finally:
                http("DELETE", s)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
