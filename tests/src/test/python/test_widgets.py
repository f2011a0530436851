"""Jupyter widgets (ipywidgets 6's protocol) through jupyter_client: a widget opened by a cell, the
front end's messages routed into the cell JVM (while a cell runs too), callbacks' output, interact,
an Output widget, and a Stop button that stops a running fit with its weights kept."""
import time
import unittest
import uuid
from queue import Empty

from kernel_util import drain, run, start, value


class Widgets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()
        value(cls.kc, '1 + 1')

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)

    def iopub_until(self, predicate, timeout=30):
        """IOPub messages up to and including the first that satisfies predicate."""
        seen = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                m = self.kc.get_iopub_msg(timeout=0.5)
            except Empty:
                continue
            seen.append(m)
            if predicate(m):
                return seen
        errors = [m["content"] for m in seen if m["msg_type"] == "error"]
        self.fail(f"no such IOPub message within {timeout} s; saw {[m['msg_type'] for m in seen]} {errors}")

    def send_comm(self, comm_id, data):
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def idle_for(self, msg_id, timeout=30):
        """The messages that are children of msg_id, up to its idle status."""
        seen = self.iopub_until(lambda m: m["parent_header"].get("msg_id") == msg_id
                                and m["msg_type"] == "status"
                                and m["content"]["execution_state"] == "idle", timeout)
        return [m for m in seen if m["parent_header"].get("msg_id") == msg_id]

    @staticmethod
    def opened(outputs, model):
        opens = [o[1] for o in outputs if o[0] == "comm_open" and o[1]["data"]["_model_name"] == model]
        assert opens, (model, [o[0] for o in outputs])
        return opens[-1]

    def test_01_version_comm(self):
        comm_id = uuid.uuid4().hex
        drain(self.kc)
        self.kc.shell_channel.send(self.kc.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.version", "data": {}}))
        got = self.iopub_until(lambda m: m["msg_type"] == "comm_msg")
        self.assertEqual(got[-1]["content"], {"comm_id": comm_id, "data": {"version": "~2.1.4"}})

    def test_02_slider_shown_and_moved(self):
        kc = self.kc
        content, outputs = run(kc, 'var s = new IntSlider("n", 0, 10, 3);\n'
                                   'var seen = new java.util.concurrent.atomic.AtomicInteger(-1);\n'
                                   's.onChange(v -> { seen.set(v); System.out.println("moved to " + v); });\n'
                                   'show(s);')
        self.assertEqual(content["status"], "ok", content)
        opened = self.opened(outputs, "IntSliderModel")
        self.assertEqual(opened["target_name"], "jupyter.widget")
        state = opened["data"]
        self.assertEqual(state["state"]["value"], 3)   # also where ipywidgets 7's clients look
        self.assertEqual((state["value"], state["min"], state["max"]), (3, 0, 10))
        self.assertEqual((state["_view_name"], state["_view_module"], state["_model_module_version"]),
                         ("IntSliderView", "jupyter-js-widgets", "~2.1.4"))
        comm_id = opened["comm_id"]
        kinds = [o[0] for o in outputs]
        self.assertLess(kinds.index("comm_open"), kinds.index("display_data"))
        self.assertIn({"comm_id": comm_id, "data": {"method": "display"}},
                      [o[1] for o in outputs if o[0] == "comm_msg"])
        shown = [o[1]["data"] for o in outputs if o[0] == "display_data"][-1]
        self.assertEqual(shown["application/vnd.jupyter.widget-view+json"]["model_id"], comm_id)
        self.assertEqual(shown["text/plain"], "IntSlider(n = 3, 0..10)")
        info = kc.comm_info(target_name="jupyter.widget", reply=True, timeout=10)
        self.assertIn(comm_id, info["content"]["comms"])

        # The user moves the slider: the callback runs in the cell JVM, its print goes to the
        # front-end message, then idle for that message.
        drain(kc)
        msg_id = self.send_comm(comm_id, {"method": "backbone", "sync_data": {"value": 7}})
        mine = self.idle_for(msg_id)
        self.assertEqual([m["content"]["text"] for m in mine if m["msg_type"] == "stream"], ["moved to 7\n"])
        self.assertEqual(value(kc, 'seen.get() + "/" + s.value()'), "7/7")

        # A value out of range is clamped; request_state sends the whole state back.
        drain(kc)
        self.idle_for(self.send_comm(comm_id, {"method": "backbone", "sync_data": {"value": 99}}))
        self.assertEqual(value(kc, 's.value()'), "10")
        drain(kc)
        mine = self.idle_for(self.send_comm(comm_id, {"method": "request_state"}))
        updates = [m["content"]["data"] for m in mine if m["msg_type"] == "comm_msg"]
        self.assertEqual(updates[-1]["method"], "update")
        self.assertEqual(updates[-1]["state"]["value"], 10)
        self.assertEqual(updates[-1]["state"]["_model_name"], "IntSliderModel")

        # Code sets the value: the front end hears an update.
        content, outputs = run(kc, 's.value(4);')
        self.assertIn({"comm_id": comm_id, "data": {"method": "update", "state": {"value": 4}, "buffers": []}},
                      [o[1] for o in outputs if o[0] == "comm_msg"])

    def test_03_message_reaches_a_running_cell(self):
        kc = self.kc
        content, outputs = run(kc, 'var d = new Dropdown("pick", List.of("a", "b", "c"));\n'
                                   'var picked = new java.util.concurrent.CompletableFuture<String>();\n'
                                   'd.onChange(picked::complete);\nshow(d);')
        comm_id = self.opened(outputs, "DropdownModel")["comm_id"]
        drain(kc)
        t0 = time.time()
        exec_id = kc.execute('"the cell heard " + picked.get(60, TimeUnit.SECONDS)')
        time.sleep(1.0)   # the cell is waiting now
        self.send_comm(comm_id, {"method": "backbone", "sync_data": {"value": "c"}})
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != exec_id:
            reply = kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        got = self.iopub_until(lambda m: m["msg_type"] == "execute_result"
                               and m["parent_header"].get("msg_id") == exec_id)
        self.assertEqual(got[-1]["content"]["data"]["text/plain"], "the cell heard c")
        print(f"a running cell heard the dropdown after {time.time() - t0 - 1.0:.2f} s")

    def test_04_interact_redraws(self):
        kc = self.kc
        content, outputs = run(kc, 'var lr = new FloatSlider("lr", 0.0, 1.0, 0.5);\n'
                                   'interact(() -> "lr is " + lr.value(), lr);')
        self.assertEqual(content["status"], "ok", content)
        comm_id = self.opened(outputs, "FloatSliderModel")["comm_id"]
        self.opened(outputs, "VBoxModel")
        first = [o[1] for o in outputs if o[0] == "display_data" and "display_id" in o[1].get("transient", {})][-1]
        self.assertEqual(first["data"]["text/plain"], "lr is 0.5")
        drain(kc)
        msg_id = self.send_comm(comm_id, {"method": "backbone", "sync_data": {"value": 0.25}})
        mine = self.idle_for(msg_id)
        updates = [m["content"] for m in mine if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(updates), 1, [m["msg_type"] for m in mine])
        self.assertEqual(updates[0]["data"]["text/plain"], "lr is 0.25")
        self.assertEqual(updates[0]["transient"]["display_id"], first["transient"]["display_id"])

    def test_05_output_widget_captures(self):
        kc = self.kc
        content, outputs = run(kc, 'var out = new Output();\nvar b = new Button("go");\n'
                                   'b.onClick(() -> out.capture(() -> System.out.println("in the output")));\n'
                                   'show(new HBox(b, out));')
        self.assertEqual(content["status"], "ok", content)
        button = self.opened(outputs, "ButtonModel")["comm_id"]
        output = self.opened(outputs, "OutputModel")["comm_id"]
        box = self.opened(outputs, "HBoxModel")["data"]
        self.assertEqual(box["children"], [f"IPY_MODEL_{button}", f"IPY_MODEL_{output}"])
        drain(kc)
        msg_id = self.send_comm(button, {"method": "custom", "content": {"event": "click"}})
        mine = self.idle_for(msg_id)
        kinds = [(m["msg_type"], m["content"].get("data", {}).get("state", {}).get("msg_id"),
                  m["content"].get("text")) for m in mine if m["msg_type"] in ("comm_msg", "stream")]
        self.assertEqual(kinds, [("comm_msg", msg_id, None), ("stream", None, "in the output\n"),
                                 ("comm_msg", "", None)])

    def test_06_stop_button_stops_a_fit(self):
        kc = self.kc
        exec_id = kc.execute(
            'var stop = Button.stop("Stop");\nshow(stop);\n'
            'var iris = Datasets.iris().split(0.8, 42).standardize();\n'
            'var model = Sequential.of(Dense.of(10).relu(), Dense.of(3).softmax()).input(4).seed(42);\n'
            'double before = model.evaluate(iris.test(), Loss.crossEntropy()).loss();\n'
            'var epochs = new Callback() {\n'
            '  public boolean onEpochEnd(int epoch, java.util.Map<String, Double> logs, Model m) {\n'
            '    System.out.println("epoch " + (epoch + 1)); return false; } };\n'
            'var h = model.fit(iris.train(), Fit.epochs(1_000_000).batch(16).quiet()\n'
            '    .optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()).callbacks(epochs));\n'
            'h.stopReason()')
        seen = self.iopub_until(lambda m: m["msg_type"] == "comm_open"
                                and m["content"]["data"]["_model_name"] == "ButtonModel")
        comm_id = seen[-1]["content"]["comm_id"]
        self.iopub_until(lambda m: m["msg_type"] == "stream" and "epoch 3\n" in m["content"]["text"])
        self.send_comm(comm_id, {"method": "custom", "content": {"event": "click"}})
        got = self.iopub_until(lambda m: m["msg_type"] in ("execute_result", "error")
                               and m["parent_header"].get("msg_id") == exec_id, timeout=60)
        self.assertEqual(got[-1]["msg_type"], "execute_result", got[-1]["content"])
        said = got[-1]["content"]["data"]["text/plain"]
        self.assertIn("interrupted in epoch", said)
        self.assertIn("weights kept", said)
        print("stop button:", said)
        # The weights trained so far are kept: the test loss is below the untrained model's.
        self.assertEqual(value(kc, 'model.evaluate(iris.test(), Loss.crossEntropy()).loss() < before'), "true")
        # Once the cell has ended, a click stops nothing and says so, in the button's cell.
        drain(kc)
        mine = self.idle_for(self.send_comm(comm_id, {"method": "custom", "content": {"event": "click"}}))
        self.assertEqual([m["content"]["text"] for m in mine if m["msg_type"] == "stream"],
                         ["Stop: the cell that showed it is not running\n"])

if __name__ == "__main__":
    unittest.main(verbosity=2)
