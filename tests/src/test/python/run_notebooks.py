"""Executes notebooks through a Jupyter kernel, and renders them to HTML.

Used by `./quiver render` (HTML into build/site/, --inplace to refresh the committed outputs) and
by the test that executes every tutorial notebook (--check: execute only, fail on any error).

    run_notebooks.py [--kernel NAME] [--timeout S] [--site DIR] [--inplace] [--check]
                     [--budget S] [--quick] [NOTEBOOK...]

With no NOTEBOOK: every notebooks/[0-9][0-9]-*.ipynb, in order. Exit status 1 when a notebook
fails (its failing cell and error are printed), or when all of them together take longer than
--budget seconds. The kernel's log goes to build/render-kernel.log. The site is self-contained:
MathJax and RequireJS are copied into it, so its pages work served from any web host, or from disk,
without the network.

--quick sets QUIVER_QUICK=1 in the kernels' environment: a notebook whose full run is long reads it
and runs a smaller setting with a weaker check, which its markdown states (notebook 13 trains on
a 4 000-image subset). The test suite runs the notebooks that way; the committed outputs and the
site come from the full runs.
"""
import argparse
import glob
import html
import shutil
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
KERNEL_LOG = os.path.join(ROOT, "build", "render-kernel.log")


def default_notebooks():
    return sorted(glob.glob(os.path.join(NOTEBOOKS, "[0-9][0-9]-*.ipynb")))


def summary(nb):
    """One line about the notebook: metadata quiver.summary, else the first markdown cell's first
    paragraph that is neither a heading nor a bold label such as "**Covers:**", else its title."""
    meta = nb.metadata.get("quiver", {}).get("summary")
    if meta:
        return meta
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        title = None
        for para in re.split(r"\n\s*\n", cell.source):
            text = para.strip()
            if not text:
                continue
            if text.startswith("#") or text.startswith("**"):
                title = title or text.lstrip("#").strip()
                continue
            return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text))[:240]
        if title:
            return title
    return ""


def title(nb, path):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return os.path.basename(path)


def execute(path, kernel, timeout):
    """Runs the notebook in a fresh kernel; returns (nb, seconds, error text or None)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, startup_timeout=120,
                            allow_errors=False, record_timing=False,
                            # No widget state in the committed notebooks: nbconvert's HTML would
                            # then load a widget manager from a CDN, and the site is self-contained.
                            store_widget_state=False,
                            resources={"metadata": {"path": os.path.dirname(path)}})
    start = time.time()
    error = None
    try:
        # The kernel's own log goes to a file, not the terminal.
        with open(KERNEL_LOG, "a") as log:
            client.execute(stderr=log)
    except CellExecutionError as e:
        error = str(e)
    except CellTimeoutError as e:
        error = f"a cell ran longer than {timeout} s: {e}"
    except DeadKernelError as e:
        error = f"the kernel died: {e}"
    coalesce_streams(nb)
    return nb, time.time() - start, error


def coalesce_streams(nb):
    """Joins consecutive stream outputs of one name, as a notebook front end shows them.

    The kernel sends output as it arrives, in whatever chunks the cell JVM wrote, so one printed
    line can come in two messages; joined, the saved notebook and its HTML hold each line whole.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            prev = merged[-1] if merged else None
            if (out.get("output_type") == "stream" and prev is not None
                    and prev.get("output_type") == "stream" and prev.get("name") == out.get("name")):
                prev["text"] = prev["text"] + out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged


# The scripts a rendered page loads, copied into the site so that it works served from any web
# host, or opened from disk, with no network: Debian's MathJax 2 (libjs-mathjax) and RequireJS
# (libjs-requirejs). Only what the CommonHTML output of TeX needs is copied (about 2 MB).
MATHJAX_DIRS = ("/usr/share/javascript/mathjax", "/usr/share/mathjax")
MATHJAX_PARTS = ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "config/local",
                 "extensions", "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                 "localization/en", "fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf")
REQUIREJS = ("/usr/share/javascript/requirejs/require.min.js", "/usr/share/javascript/requirejs/require.js")
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REQUIRE_URL = "require.min.js"


def bring_scripts(site):
    """Copies MathJax and RequireJS into the site (once); fails naming the package when missing."""
    source = next((d for d in MATHJAX_DIRS if os.path.exists(os.path.join(d, "MathJax.js"))), None)
    if source is None:
        raise SystemExit("MathJax is missing (looked in " + ", ".join(MATHJAX_DIRS) +
                         "): install Debian's libjs-mathjax (apt-get install libjs-mathjax)")
    target = os.path.join(site, "mathjax")
    if not os.path.exists(os.path.join(target, "MathJax.js")):
        for part in MATHJAX_PARTS:
            src, dst = os.path.join(source, part), os.path.join(target, part)
            if os.path.isdir(src):
                shutil.copytree(src, dst, symlinks=False, dirs_exist_ok=True)
            elif os.path.exists(src):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
    require = next((f for f in REQUIREJS if os.path.exists(f)), None)
    if require is None:
        raise SystemExit("RequireJS is missing (looked for " + ", ".join(REQUIREJS) +
                         "): install Debian's libjs-requirejs")
    shutil.copyfile(require, os.path.join(site, REQUIRE_URL))


def write_html(nb, path, site):
    """The notebook as a page of the site, loading its scripts from the site itself."""
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter(mathjax_url=MATHJAX_URL, require_js_url=REQUIRE_URL).from_notebook_node(nb)
    out = os.path.join(site, os.path.splitext(os.path.basename(path))[0] + ".html")
    with open(out, "w", encoding="utf-8") as f:
        f.write(body)
    return out


def write_index(entries, site):
    rows = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(t)}</a><br><span class="s">{html.escape(s)}</span></li>'
        for name, t, s in entries)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Quiver tutorial notebooks</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}}
li{{margin:0.8em 0}} .s{{color:#444}}</style></head>
<body><h1>Quiver tutorial notebooks</h1>
<p>Neural networks from the ground up, in Java on the "Java (Quiver)" Jupyter kernel.
Each notebook was executed top to bottom in a fresh kernel to make this page.</p>
<ol>
{rows}
</ol></body></html>
"""
    with open(os.path.join(site, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--kernel", default=os.environ.get("QUIVER_TEST_KERNEL", "quiver-java"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("QUIVER_CELL_TIMEOUT", "120")),
                    help="seconds one cell may run (default 120)")
    ap.add_argument("--site", default=os.path.join(ROOT, "build", "site"))
    ap.add_argument("--inplace", action="store_true", help="write the executed notebooks back")
    ap.add_argument("--check", action="store_true", help="execute only; no HTML")
    ap.add_argument("--budget", type=float, default=0, help="fail when all together take longer (s)")
    ap.add_argument("--quick", action="store_true",
                    help="QUIVER_QUICK=1 for the kernels: long notebooks run a smaller setting")
    args = ap.parse_args()
    if args.quick:
        os.environ["QUIVER_QUICK"] = "1"  # the kernels, and their cell JVMs, inherit it

    paths = [os.path.abspath(p) for p in args.notebooks] or default_notebooks()
    os.makedirs(os.path.dirname(KERNEL_LOG), exist_ok=True)
    open(KERNEL_LOG, "w").close()  # this run's kernel log only
    if not paths:
        print(f"no notebooks match {NOTEBOOKS}/[0-9][0-9]-*.ipynb")
        return 0
    if not args.check:
        os.makedirs(args.site, exist_ok=True)
        bring_scripts(args.site)
    failures = []
    total = 0.0
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        print(f"executing {rel} ...", flush=True)
        nb, seconds, error = execute(path, args.kernel, args.timeout)
        total += seconds
        if error:
            failures.append(rel)
            print(f"FAILED {rel} after {seconds:.1f} s:\n{error[-4000:]}\n"
                  f"(the kernel's log: {os.path.relpath(KERNEL_LOG, ROOT)})", flush=True)
            continue
        print(f"ok     {rel} in {seconds:.1f} s", flush=True)
        if args.inplace:
            nbformat.write(nb, path)
        if not args.check:
            write_html(nb, path, args.site)
    if not args.check:
        # The index lists every numbered notebook, executed now or before.
        entries = []
        for path in sorted(set(default_notebooks()) | set(paths)):
            nb = nbformat.read(path, as_version=4)
            name = os.path.splitext(os.path.basename(path))[0] + ".html"
            if os.path.exists(os.path.join(args.site, name)):
                entries.append((name, title(nb, path), summary(nb)))
        write_index(entries, args.site)
        print(f"HTML in {os.path.relpath(args.site, ROOT)}/ (index.html)")
    print(f"{len(paths) - len(failures)} of {len(paths)} notebooks passed in {total:.1f} s")
    if failures:
        print("failed: " + ", ".join(failures))
        return 1
    if args.budget and total > args.budget:
        print(f"FAILED: the notebooks took {total:.1f} s together, over the budget of {args.budget:.0f} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
