package dev.quiver.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.display.RecordingSink.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DisplayTest {

  private RecordingSink sink;

  @BeforeEach
  void install() {
    sink = new RecordingSink();
    Display.setSink(sink);
  }

  @AfterEach
  void reset() {
    Display.resetSink();
  }

  @Test
  void showRendersAndDisplaysWithoutId() {
    Display.show(new Markdown("# hi"));
    Display.show(null);
    Display.show(new int[] {1, 2});
    assertEquals(
        List.of(
            new Event("display", "# hi", null),
            new Event("display", "null", null),
            new Event("display", "[1, 2]", null)),
        sink.events());
  }

  @Test
  void firstShowWithAnIdDisplaysLaterOnesUpdate() {
    Display.show("progress", "1/3");
    Display.show("progress", "2/3");
    Display.show("other", "x");
    Display.show("progress", "3/3");
    assertEquals(
        List.of(
            new Event("display", "1/3", "progress"),
            new Event("update", "2/3", "progress"),
            new Event("display", "x", "other"),
            new Event("update", "3/3", "progress")),
        sink.events());
  }

  @Test
  void clearForgetsIdsSoTheNextShowDisplaysAgain() {
    Display.show("p", "a");
    Display.clear(true);
    Display.show("p", "b");
    Display.clear();
    assertEquals(
        List.of(
            new Event("display", "a", "p"),
            new Event("clear", "true", null),
            new Event("display", "b", "p"),
            new Event("clear", "false", null)),
        sink.events());
  }

  @Test
  void aNewSinkStartsWithNoIds() {
    Display.show("p", "a");
    var second = new RecordingSink();
    Display.setSink(second);
    assertSame(second, Display.sink());
    Display.show("p", "b");
    assertEquals(List.of(new Event("display", "b", "p")), second.events());
  }

  @Test
  void aFailedDisplayIsRetriedAsADisplay() {
    var failOnce =
        new DisplaySink() {
          boolean failed;

          @Override
          public void display(MimeBundle bundle, String id) {
            if (!failed) {
              failed = true;
              throw new IllegalStateException("socket closed");
            }
            sink.display(bundle, id);
          }

          @Override
          public void update(MimeBundle bundle, String id) {
            sink.update(bundle, id);
          }

          @Override
          public void clear(boolean wait) {}
        };
    Display.setSink(failOnce);
    assertThrows(IllegalStateException.class, () -> Display.show("p", "a"));
    Display.show("p", "b");
    assertEquals(List.of(new Event("display", "b", "p")), sink.events());
  }

  @Test
  void argumentsAreChecked() {
    assertThrows(NullPointerException.class, () -> Display.setSink(null));
    assertThrows(NullPointerException.class, () -> Display.show(null, "x"));
    assertThrows(IllegalArgumentException.class, () -> Display.show(" ", "x"));
  }

  @Test
  void resetGoesBackToText() {
    Display.resetSink();
    assertInstanceOf(TextSink.class, Display.sink());
  }

  @Test
  void newIdsAreUnique() {
    assertNotEquals(Display.newDisplayId(), Display.newDisplayId());
    assertTrue(Display.newDisplayId().startsWith("quiver-"));
  }

  @Test
  void manyThreadsKeepEachIdInOrder() throws Exception {
    int threads = 8;
    int steps = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    var start = new CountDownLatch(1);
    try {
      var futures = new ArrayList<Future<?>>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < steps; i++) {
                    Display.show("own-" + thread, thread + ":" + i);
                    Display.show("shared", thread + ":" + i);
                    Display.show("loose " + thread);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (var f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    var events = sink.events();
    assertEquals(threads * steps * 3, events.size());
    for (int t = 0; t < threads; t++) {
      var id = "own-" + t;
      var own = events.stream().filter(e -> id.equals(e.id())).toList();
      assertEquals(steps, own.size());
      assertEquals(new Event("display", t + ":0", id), own.getFirst());
      for (int i = 1; i < steps; i++) {
        assertEquals(
            new Event("update", t + ":" + i, id), own.get(i), "updates of " + id + " in order");
      }
    }
    var shared = events.stream().filter(e -> "shared".equals(e.id())).toList();
    assertEquals(threads * steps, shared.size());
    assertEquals("display", shared.getFirst().kind());
    assertEquals(
        1, shared.stream().filter(e -> e.kind().equals("display")).count(), "exactly one display");
    // Each thread's own updates to the shared id arrive in the order that thread made them.
    for (int t = 0; t < threads; t++) {
      var prefix = t + ":";
      var mine = shared.stream().map(Event::text).filter(s -> s.startsWith(prefix)).toList();
      for (int i = 0; i < steps; i++) {
        assertEquals(prefix + i, mine.get(i));
      }
    }
    assertEquals(threads * steps, events.stream().filter(e -> e.id() == null).count());
  }

  @Test
  void clearFromAnotherThreadWhileShowing() throws Exception {
    var shower =
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    Display.show("p", i);
                  }
                });
    var clearer =
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    Display.clear(true);
                  }
                });
    shower.join();
    clearer.join();
    var events = sink.events();
    assertEquals(550, events.size());
    assertEquals(
        "display",
        events.stream().filter(e -> "p".equals(e.id())).findFirst().orElseThrow().kind());
  }
}
