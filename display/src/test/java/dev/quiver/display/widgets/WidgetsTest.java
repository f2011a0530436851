package dev.quiver.display.widgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WidgetsTest {

  /** What a widget asked of the notebook, in order. */
  record Sent(String op, String commId, Map<String, Object> data) {}

  static final class RecordingHost implements WidgetHost {
    final List<Sent> sent = new ArrayList<>();
    boolean cellRuns;
    int stops;

    @Override
    public void open(String commId, Map<String, Object> state) {
      sent.add(new Sent("open", commId, state));
    }

    @Override
    public void send(String commId, Map<String, Object> data) {
      sent.add(new Sent("msg", commId, data));
    }

    @Override
    public void close(String commId) {
      sent.add(new Sent("close", commId, Map.of()));
    }

    @Override
    public boolean stopItsCell() {
      if (cellRuns) {
        stops++;
      }
      return cellRuns;
    }
  }

  RecordingHost host;

  @BeforeEach
  void install() {
    host = new RecordingHost();
    Widgets.setHost(host);
  }

  @AfterEach
  void uninstall() {
    Widgets.setHost(null);
  }

  @Test
  void showingOpensChildrenFirstThenAsksForAView() {
    var a = new IntSlider("a", 0, 10, 3);
    var b = new Button("go");
    var box = new HBox(a, b);
    var bundle = box.toMimeBundle();
    assertEquals(List.of("open", "open", "open", "msg"), host.sent.stream().map(Sent::op).toList());
    assertEquals(a.modelId(), host.sent.get(0).commId());
    assertEquals(b.modelId(), host.sent.get(1).commId());
    var boxState = host.sent.get(2).data();
    assertEquals("HBoxModel", boxState.get("_model_name"));
    assertEquals("jupyter-js-widgets", boxState.get("_view_module"));
    assertEquals("~2.1.4", boxState.get("_model_module_version"));
    assertEquals(
        List.of("IPY_MODEL_" + a.modelId(), "IPY_MODEL_" + b.modelId()), boxState.get("children"));
    // The same state under "state" too, where nbclient and later front ends look for it.
    var nested = new java.util.LinkedHashMap<>(boxState);
    nested.remove("state");
    nested.remove("buffer_paths");
    assertEquals(nested, boxState.get("state"));
    assertEquals(Map.of("method", "display"), host.sent.get(3).data());
    assertEquals("IntSlider(a = 3, 0..10)  Button(go)", bundle.text());
    assertTrue(
        bundle.get(Widgets.VIEW_MIME).orElseThrow().contains("\"model_id\": \"" + box.modelId()));
    // Shown again: no second open, one more view.
    host.sent.clear();
    box.toMimeBundle();
    assertEquals(List.of("msg"), host.sent.stream().map(Sent::op).toList());
  }

  @Test
  void theFrontEndsMoveSetsTheValueWithoutEchoAndTellsListeners() {
    var s = new FloatSlider("lr", 0.0, 1.0, 0.5);
    var heard = new ArrayList<Double>();
    s.onChange(heard::add);
    s.toMimeBundle();
    host.sent.clear();
    assertTrue(
        Widgets.receive(
            s.modelId(), Map.of("method", "backbone", "sync_data", Map.of("value", 0.25))));
    assertEquals(0.25, s.value());
    assertEquals(List.of(0.25), heard);
    assertEquals(List.of(), host.sent, "no echo of the front end's own change");
    // Out of range: clamped. Not a number: ignored.
    Widgets.receive(s.modelId(), Map.of("method", "backbone", "sync_data", Map.of("value", 7)));
    assertEquals(1.0, s.value());
    Widgets.receive(s.modelId(), Map.of("method", "backbone", "sync_data", Map.of("value", "x")));
    assertEquals(1.0, s.value());
    assertEquals(List.of(0.25, 1.0), heard);
    // Code sets it: the front end hears an update.
    s.value(0.75);
    assertEquals(
        new Sent(
            "msg",
            s.modelId(),
            Map.of("method", "update", "state", Map.of("value", 0.75), "buffers", List.of())),
        host.sent.get(0));
    // request_state: the whole state.
    host.sent.clear();
    Widgets.receive(s.modelId(), Map.of("method", "request_state"));
    @SuppressWarnings("unchecked")
    var state = (Map<String, Object>) host.sent.get(0).data().get("state");
    assertEquals(0.75, state.get("value"));
    assertEquals("FloatSliderView", state.get("_view_name"));
    assertFalse(Widgets.receive("no-such-widget", Map.of("method", "request_state")));
  }

  @Test
  void badValuesAreRefusedWithTheValuesNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> new IntSlider("epochs", 1, 10, 20));
    assertEquals(
        "IntSlider \"epochs\": needs min <= value <= max, got min 1, value 20, max 10",
        e.getMessage());
    var d = new Dropdown("act", List.of("relu", "tanh"));
    assertEquals("relu", d.value());
    var bad = assertThrows(IllegalArgumentException.class, () -> d.value("gelu"));
    assertEquals("Dropdown \"act\": value \"gelu\" is not one of [relu, tanh]", bad.getMessage());
    d.toMimeBundle();
    Widgets.receive(
        d.modelId(), Map.of("method", "backbone", "sync_data", Map.of("value", "gelu")));
    assertEquals("relu", d.value(), "a label it does not have is ignored");
  }

  @Test
  void clicksRunActionsAndAStopButtonStopsOnlyARunningCell() {
    var clicks = new ArrayList<String>();
    var b = new Button("go").onClick(x -> clicks.add(x.description()));
    b.toMimeBundle();
    Widgets.receive(b.modelId(), Map.of("method", "custom", "content", Map.of("event", "click")));
    assertEquals(List.of("go"), clicks);
    var stop = Button.stop("Stop");
    stop.toMimeBundle();
    host.cellRuns = true;
    Widgets.receive(
        stop.modelId(), Map.of("method", "custom", "content", Map.of("event", "click")));
    assertEquals(1, host.stops);
    host.cellRuns = false;
    Widgets.receive(
        stop.modelId(), Map.of("method", "custom", "content", Map.of("event", "click")));
    assertEquals(1, host.stops);
  }

  @Test
  void anOutputCapturesBetweenTwoMsgIdUpdates() {
    var out = new Output();
    out.toMimeBundle();
    host.sent.clear();
    var ran = new boolean[1];
    out.capture(() -> ran[0] = true);
    assertTrue(ran[0]);
    var msgIds =
        host.sent.stream().map(s -> ((Map<?, ?>) s.data().get("state")).get("msg_id")).toList();
    assertEquals(List.of(WidgetHost.PARENT, ""), msgIds);
  }

  @Test
  void withoutANotebookWidgetsAreTheirText() {
    Widgets.setHost(null);
    var l = new Label("hello");
    MimeBundle bundle = l.toMimeBundle();
    assertEquals("hello", bundle.text());
    assertEquals(List.of(), host.sent);
    var ran = new boolean[1];
    new Output().capture(() -> ran[0] = true);
    assertTrue(ran[0]);
  }
}
