package dev.quiver.dsl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.Display;
import dev.quiver.display.DisplaySink;
import dev.quiver.display.MimeBundle;
import dev.quiver.dsl.data.Datasets;
import dev.quiver.dsl.layers.Dense;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Fit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Progress goes through the runtime's display facade: one display id, shown once and then updated
 * in place.
 */
class DisplayTest {
  record Call(String kind, MimeBundle bundle, String id) {}

  @Test
  void fitShowsOneProgressDisplayAndUpdatesIt() {
    List<Call> calls = new ArrayList<>();
    Display.setSink(
        new DisplaySink() {
          public void display(MimeBundle b, String id) {
            calls.add(new Call("display", b, id));
          }

          public void update(MimeBundle b, String id) {
            calls.add(new Call("update", b, id));
          }

          public void clear(boolean wait) {}
        });
    try {
      var model = Sequential.of(Dense.of(4).relu(), Dense.of(2)).seed(1);
      model.fit(
          Datasets.xor(64, 0.1, 1),
          Fit.epochs(3)
              .batch(16)
              .optimizer(Adam.lr(0.01))
              .loss(Loss.crossEntropy())
              .metrics(Metric.accuracy()));
    } finally {
      Display.resetSink();
    }
    assertFalse(calls.isEmpty());
    assertTrue(calls.getFirst().kind().equals("display") && calls.getFirst().id() != null);
    String id = calls.getFirst().id();
    assertTrue(
        calls.stream().allMatch(c -> id.equals(c.id())), "every call uses the same display id");
    assertTrue(calls.stream().skip(1).allMatch(c -> c.kind().equals("update")));
    var last = calls.getLast().bundle();
    assertTrue(last.text().startsWith("epoch 3/3 [====================] loss "), last.text());
    assertTrue(last.text().contains("accuracy"), last.text());
    // Shown before the first batch ended: the first display is the empty bar.
    assertTrue(
        calls.getFirst().bundle().text().startsWith("epoch 1/3 [      "),
        calls.getFirst().bundle().text());
    var html = last.get(MimeBundle.TEXT_HTML).orElseThrow();
    // One progress bar (the text's [====] is for terminals), and the curve as an image that a
    // notebook's sanitizer keeps: no inline <svg>.
    assertTrue(html.contains("<progress"), html);
    assertFalse(html.contains("[="), html);
    assertTrue(html.contains("<img src=\"data:image/svg+xml;base64,"), html);
    assertFalse(html.contains("<svg"), html);
  }

  @Test
  void theLiveViewIsDrawnOffTheTrainingThreadAndASlowFrontendOnlySkipsFrames() {
    List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> texts = java.util.Collections.synchronizedList(new ArrayList<>());
    Display.setSink(
        new DisplaySink() {
          public void display(MimeBundle b, String id) {
            update(b, id);
          }

          public void update(MimeBundle b, String id) {
            threads.add(Thread.currentThread().getName());
            texts.add(b.text());
            try {
              Thread.sleep(300); // a frontend slower than the 250 ms throttle
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          public void clear(boolean wait) {}
        });
    String trainer = Thread.currentThread().getName();
    try {
      var model = Sequential.of(Dense.of(8).relu(), Dense.of(2)).seed(1);
      model.fit(
          Datasets.xor(128, 0.1, 1),
          Fit.epochs(150).batch(16).optimizer(Adam.lr(0.01)).loss(Loss.crossEntropy()));
    } finally {
      Display.resetSink();
    }
    // The empty bar is drawn as the fit starts, on the caller's thread; every frame after it is
    // not.
    assertTrue(threads.size() >= 2, threads::toString);
    assertFalse(
        threads.subList(1, threads.size()).contains(trainer),
        "the training thread drew no frame after the first: " + threads);
    assertTrue(
        texts.getLast().startsWith("epoch 150/150 [====================]"),
        "the last frame is the final state, drawn before fit returned: " + texts.getLast());
  }
}
