"""The rendered site is self-contained: tutorial pages written the way `./quiver render` writes
them, served over http from loopback (as any web host would serve them) to headless Chromium with
no other network, typeset every formula from the scripts inside the site."""
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from functools import partial

import nbformat

from test_browser import free_port, http as wd_http, wait_http

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_notebooks  # noqa: E402

# Notebooks heavy in formulas; their committed outputs are rendered (nothing is executed).
PAGES = ("02-neuron-forward", "05-loss-functions")


class Quiet(http.server.SimpleHTTPRequestHandler):
    requested = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Quiet.requested.append(self.path)
        super().do_GET()


class Site(unittest.TestCase):
    def setUp(self):
        self.site = tempfile.mkdtemp()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            p.terminate()
            p.wait(10)
        shutil.rmtree(self.site, ignore_errors=True)

    def test_served_over_http_every_formula_is_typeset(self):
        run_notebooks.bring_scripts(self.site)
        for name in PAGES:
            path = os.path.join(run_notebooks.NOTEBOOKS, name + ".ipynb")
            run_notebooks.write_html(nbformat.read(path, as_version=4), path, self.site)
        for name in PAGES:
            with open(os.path.join(self.site, name + ".html"), encoding="utf-8") as f:
                page = f.read()
            self.assertNotIn("file://", page, f"{name}.html loads a file from this machine")
            self.assertNotIn('src="http', page, f"{name}.html loads a script from the network")

        port = free_port()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(Quiet, directory=self.site))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        wd_port = free_port()
        self.procs.append(subprocess.Popen(["chromedriver", f"--port={wd_port}"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wd = f"http://127.0.0.1:{wd_port}"
        wait_http(f"{wd}/status")
        # Chromium may reach nothing but loopback: a proxy that does not exist catches the rest.
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--proxy-server=http://127.0.0.1:9"]}}}}
        session = wd_http("POST", f"{wd}/session", caps)["value"]["sessionId"]
        s = f"{wd}/session/{session}"
        try:
            total = 0
            for name in PAGES:
                wd_http("POST", f"{s}/url", {"url": f"http://127.0.0.1:{port}/{name}.html"})
                script = ("if (!window.MathJax || !MathJax.Hub) return null;"
                          " var jax = MathJax.Hub.getAllJax();"
                          " var pending = document.querySelectorAll('script[type^=\"math/tex\"]').length;"
                          " return {loaded: !!MathJax.isReady, jax: jax.length, tex: pending,"
                          " typeset: document.querySelectorAll('.MathJax_CHTML').length,"
                          " errors: document.querySelectorAll('.MathJax_Error, merror').length};")
                deadline = time.time() + 60
                seen = wd_http("POST", f"{s}/execute/sync", {"script": script, "args": []})["value"]
                while time.time() < deadline and not (seen and seen["loaded"] and seen["tex"] > 0
                                                      and seen["typeset"] >= seen["tex"]):
                    time.sleep(0.5)
                    seen = wd_http("POST", f"{s}/execute/sync", {"script": script, "args": []})["value"]
                print(f"{name}.html over http: {seen}")
                self.assertTrue(seen and seen["loaded"], f"{name}.html: MathJax did not load from the site: {seen}")
                self.assertGreater(seen["tex"], 10, f"{name}.html: too few formulas found: {seen}")
                self.assertEqual(seen["tex"], seen["typeset"], f"{name}.html: formulas left untypeset: {seen}")
                self.assertEqual(0, seen["errors"], f"{name}.html: MathJax errors: {seen}")
                total += seen["typeset"]
            print(f"{total} formulas typeset in {len(PAGES)} pages served over http from loopback")
        finally:
            wd_http("DELETE", s)
            server.shutdown()


if __name__ == "__main__":
    unittest.main(verbosity=2)
