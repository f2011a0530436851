"""A real browser: headless Chromium (driven by chromedriver over the W3C WebDriver protocol)
opens the classic Notebook, runs Java cells and reads their output from the page, and opens the
committed tutorial notebooks as a newcomer first meets them: not trusted, so every output goes
through the Notebook's sanitizer, and every figure must still show."""
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

KERNEL = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
WIDGETS_JS = "/usr/share/jupyter/nbextensions/jupyter-js-widgets/extension.js"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:   # WebDriver says why in the body
        raise AssertionError(f"{method} {url}: HTTP {e.code}: {e.read()[:2000]!r}") from None


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {timeout} s")


def expected_figures(nb):
    """The figures a reader should see in a notebook's saved outputs: each <img> or <svg> in an
    HTML output, else one per output that carries an image type."""
    count = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html = data.get("text/html")
            if html is not None:
                html = "".join(html) if isinstance(html, list) else html
                count += html.count("<img") + html.count("<svg")
            elif any(t in data for t in IMAGE_TYPES):
                count += 1
    return count


class Browser(unittest.TestCase):
    """One Notebook server (with a data folder of its own, so no trust database of the user's
    counts) and one Chromium session for all the tests."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.procs = []
        env = dict(os.environ, JUPYTER_DATA_DIR=os.path.join(cls.tmp, "data"))
        cls.token = uuid.uuid4().hex
        nb_port, wd_port = free_port(), free_port()
        cls.base = f"http://127.0.0.1:{nb_port}"
        cls.procs.append(subprocess.Popen(
            ["jupyter-notebook", "--no-browser", f"--port={nb_port}", "--ip=127.0.0.1",
             f"--NotebookApp.token={cls.token}", f"--notebook-dir={cls.tmp}", "--allow-root"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        cls.procs.append(subprocess.Popen(["chromedriver", f"--port={wd_port}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(f"{cls.base}/api?token={cls.token}")
        wd = f"http://127.0.0.1:{wd_port}"
        wait_http(f"{wd}/status")
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1024"]}}}}
        session = http("POST", f"{wd}/session", caps)["value"]["sessionId"]
        cls.s = f"{wd}/session/{session}"

    @classmethod
    def tearDownClass(cls):
        try:
            http("DELETE", cls.s)
        except Exception:
            pass
        for p in cls.procs:
            p.terminate()
        for p in cls.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -------------------------------------------------------------------------------- helpers

    def js(self, script):
        return http("POST", f"{self.s}/execute/sync", {"script": script, "args": []})["value"]

    def wait_js(self, script, what, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = self.js(script)
            if v:
                return v
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def write_notebook(self, name, nb):
        with open(os.path.join(self.tmp, name), "w") as f:
            json.dump(nb, f)

    def open_notebook(self, name):
        # Leaving an edited notebook asks "leave the page?", which would stop the browser.
        self.js("if (window.Jupyter && Jupyter.notebook) { Jupyter.notebook.set_dirty(false); }"
                " window.onbeforeunload = null; return true;")
        http("POST", f"{self.s}/url", {"url": f"{self.base}/notebooks/{name}?token={self.token}"})
        self.wait_js("return !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded"
                     " && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected());",
                     f"{name} to load and its kernel to connect")

    def close_sessions(self):
        """Shuts the kernels the opened notebooks started."""
        for session in http("GET", f"{self.base}/api/sessions?token={self.token}"):
            req = urllib.request.Request(f"{self.base}/api/sessions/{session['id']}?token={self.token}",
                                         method="DELETE")
            urllib.request.urlopen(req, timeout=30).read()

    def shift_enter_on(self, index):
        """Selects code cell `index` and presses Shift-Enter on it, as a user would."""
        cells = http("POST", f"{self.s}/elements", {"using": "css selector", "value": ".code_cell .CodeMirror"})["value"]
        element = next(iter(cells[index].values()))
        http("POST", f"{self.s}/element/{element}/click", {})
        http("POST", f"{self.s}/actions", {"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": "\ue008"}, {"type": "keyDown", "value": "\ue007"},
            {"type": "keyUp", "value": "\ue007"}, {"type": "keyUp", "value": "\ue008"}]}]})

    # -------------------------------------------------------------------------------- tests

    def test_notebook_runs_a_java_cell_and_a_live_fit(self):
        cell = lambda src: {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
        nb = {"cells": [
            cell("var answer = 6 * 7;\n\"answer is \" + answer"),
            # A fit slowed down by a callback, so the page can be watched while it runs.
            cell("var slow = new Callback() {\n"
                 "  public boolean onEpochEnd(int epoch, java.util.Map<String, Double> logs, Model m) {\n"
                 "    try { Thread.sleep(120); } catch (InterruptedException e) { return true; }\n"
                 "    return false;\n"
                 "  }\n"
                 "};\n"
                 "var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(1);\n"
                 "model.fit(Datasets.xor(64, 0.1, 1), Fit.epochs(25).batch(16).optimizer(Adam.lr(0.02))\n"
                 "    .loss(Loss.crossEntropy()).callbacks(slow));\n"
                 "\"fitted\"")],
              "metadata": {"kernelspec": {"name": KERNEL, "display_name": "Java (Quiver)", "language": "java"}},
              "nbformat": 4, "nbformat_minor": 4}
        self.write_notebook("browser.ipynb", nb)
        try:
            self.open_notebook("browser.ipynb")
            self.assertEqual(self.js("return Jupyter.notebook.kernel.name;"), KERNEL)
            self.shift_enter_on(0)
            text = self.wait_js("var o = document.querySelector('.output_area .output_subarea');"
                                " return o && o.innerText.indexOf('answer is 42') >= 0 ? o.innerText : null;",
                                "the cell's output on the page")
            print("page shows:", text.strip())
            # The prompt turns from [*] to [1] with the execute_reply, which may come a moment
            # after the output the page already shows.
            prompt = self.wait_js("var p = document.querySelector('.input_prompt').innerText;"
                                  " return p.indexOf('[1]') >= 0 ? p : null;", "the cell's prompt to show [1]",
                                  timeout=30)
            self.assertIn("[1]", prompt)

            # The live view: one progress bar, shown while the fit runs and updated in place, and
            # the loss curve as an image once two epochs are done.
            self.shift_enter_on(1)
            fit = "document.querySelectorAll('.code_cell')[1].querySelector('.output_area')"
            live = self.wait_js(f"var o = {fit}; var p = o && o.querySelector('progress');"
                                " return p && p.value < 1 && document.querySelectorAll('.code_cell')[1]"
                                ".querySelector('.input_prompt').innerText.indexOf('*') >= 0 ? p.value : null;",
                                "the progress bar while the fit runs")
            print(f"progress while the fit runs: {float(live):.2f}")
            done = self.wait_js("var c = document.querySelectorAll('.code_cell')[1];"
                                " var o = c.querySelector('.output_wrapper').innerText;"
                                " return c.querySelector('.input_prompt').innerText.indexOf('[2]') >= 0"
                                " && o.indexOf('fitted') >= 0 ? o : null;",
                                "the fit to end", timeout=60)
            bars = self.js(f"return document.querySelectorAll('.code_cell')[1].querySelectorAll('progress').length;")
            self.assertEqual(1, bars, "one progress bar")
            self.assertIn("epoch 25/25", done)
            self.assertNotIn("[=", done, "no second, ASCII, progress bar on the page")
            shown = self.wait_js("var i = document.querySelectorAll('.code_cell')[1].querySelector('.output_area img');"
                                 " return i && i.complete && i.naturalWidth > 0 ? i.naturalWidth : null;",
                                 "the loss curve", timeout=10)
            print(f"the fit's curve is an image {shown} px wide")
        finally:
            self.close_sessions()

    @unittest.skipUnless(os.path.exists(WIDGETS_JS) or os.environ.get("CI") == "true",
                         "Debian's jupyter-nbextension-jupyter-js-widgets is not installed")
    def test_widgets_slider_moves_and_button_clicks(self):
        """ipywidgets' front end (Debian's jupyter-js-widgets nbextension) draws the kernel's
        widgets; a slider moved with the keyboard re-runs interact's function, and a button's
        click runs its callback, whose output lands in the button's cell."""
        cell = lambda src: {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
        nb = {"cells": [
            cell('var n = new IntSlider("n", 0, 10, 3);\n'
                 'interact(() -> "n squared is " + n.value() * n.value(), n);'),
            cell('var hello = new Button("hello");\n'
                 'hello.onClick(() -> System.out.println("clicked, n is " + n.value()));\n'
                 'show(hello);')],
              "metadata": {"kernelspec": {"name": KERNEL, "display_name": "Java (Quiver)", "language": "java"}},
              "nbformat": 4, "nbformat_minor": 4}
        self.write_notebook("widgets.ipynb", nb)
        try:
            self.open_notebook("widgets.ipynb")
            self.shift_enter_on(0)
            first = "document.querySelectorAll('.code_cell')[0]"
            self.wait_js(f"var c = {first}; return c.querySelector('.widget-area .widget-hslider .ui-slider-handle')"
                         " && c.querySelector('.output_wrapper').innerText.indexOf('n squared is 9') >= 0;",
                         "the slider drawn and interact's first output")
            readout = self.js(f"return {first}.querySelector('.widget-readout').innerText;")
            self.assertEqual(readout.strip(), "3")
            # The user moves the slider: focus its handle and press the right arrow twice.
            handle = http("POST", f"{self.s}/elements", {"using": "css selector",
                                                          "value": ".widget-area .ui-slider-handle"})["value"][0]
            element = next(iter(handle.values()))
            self.js(f"{first}.querySelector('.ui-slider-handle').focus(); return true;")
            for _ in range(2):
                http("POST", f"{self.s}/element/{element}/value", {"text": "\ue014"})   # ArrowRight
                time.sleep(0.3)
            text = self.wait_js(f"var o = {first}.querySelector('.output_wrapper').innerText;"
                                " return o.indexOf('n squared is 25') >= 0 ? o : null;",
                                "interact's output redrawn for n = 5", timeout=30)
            self.assertNotIn("n squared is 9", text, "the first output was replaced, not kept")
            print("after two presses of the right arrow:", text.strip().splitlines()[-1])
            self.shift_enter_on(1)
            second = "document.querySelectorAll('.code_cell')[1]"
            # (The widget area's own first button is its close button: the widget's is in the subarea.)
            self.wait_js(f"return !!{second}.querySelector('.widget-subarea button');", "the button drawn")
            button = http("POST", f"{self.s}/elements", {"using": "css selector",
                                                          "value": ".widget-subarea button"})["value"][0]
            http("POST", f"{self.s}/element/{next(iter(button.values()))}/click", {})
            said = self.wait_js(f"var o = {second}.querySelector('.output_wrapper').innerText;"
                                " return o.indexOf('clicked, n is 5') >= 0 ? o : null;",
                                "the click's output in the button's cell", timeout=30)
            print("the button's cell shows:", said.strip().splitlines()[-1])
        finally:
            self.close_sessions()

    def test_committed_notebooks_show_every_figure_untrusted(self):
        """The tutorials as committed, opened as anyone else's notebook is: not trusted. The
        Notebook then drops image/svg+xml and sanitizes HTML (no <svg>, no scripts, no styles);
        every figure the outputs hold must still be on the page, drawn."""
        paths = sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]-*.ipynb")))
        self.assertTrue(paths, "no tutorial notebooks found")
        total = 0
        try:
            for path in paths:
                with open(path) as f:
                    nb = json.load(f)
                want = expected_figures(nb)
                if want == 0:
                    continue
                # The same notebook, only under this test's kernel name (its outputs untouched).
                nb["metadata"]["kernelspec"]["name"] = KERNEL
                name = "untrusted-" + os.path.basename(path)
                self.write_notebook(name, nb)
                self.open_notebook(name)
                self.assertFalse(self.js("return Jupyter.notebook.trusted;"),
                                 f"{name} opened trusted; the test must see it as a newcomer does")
                script = ("var imgs = document.querySelectorAll('.output_area img');"
                          " var drawn = 0; imgs.forEach(function (i) {"
                          " if (i.complete && i.naturalWidth > 0) drawn++; });"
                          " return {imgs: imgs.length, drawn: drawn,"
                          " svg: document.querySelectorAll('.output_area svg').length};")
                deadline = time.time() + 20
                seen = self.js(script)
                while seen["drawn"] < want and time.time() < deadline:
                    time.sleep(0.3)
                    seen = self.js(script)
                print(f"{os.path.basename(path)}: {seen['drawn']} of {want} figures drawn untrusted")
                self.assertEqual(want, seen["drawn"], f"{os.path.basename(path)}: figures drawn untrusted: {seen}")
                total += want
                self.close_sessions()
        finally:
            self.close_sessions()
        print(f"{total} figures in {len(paths)} notebooks, all drawn")
        self.assertGreater(total, 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
