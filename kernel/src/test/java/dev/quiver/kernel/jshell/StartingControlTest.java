package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.EngineTerminationException;
import org.junit.jupiter.api.Test;

class StartingControlTest {

  /** Records the calls it gets, in order. */
  static final class Recorder implements ExecutionControl {
    final List<String> calls = new ArrayList<>();

    @Override
    public synchronized void load(ClassBytecodes[] cbcs) {
      calls.add("load " + cbcs[0].name());
    }

    @Override
    public synchronized void redefine(ClassBytecodes[] cbcs) {
      calls.add("redefine " + cbcs[0].name());
    }

    @Override
    public synchronized String invoke(String className, String methodName) {
      calls.add("invoke " + className + "." + methodName);
      return "42";
    }

    @Override
    public synchronized String varValue(String className, String varName) {
      calls.add("varValue " + varName);
      return "7";
    }

    @Override
    public synchronized void addToClasspath(String path) {
      calls.add("classpath " + path);
    }

    @Override
    public void stop() {
      calls.add("stop");
    }

    @Override
    public Object extensionCommand(String command, Object arg) {
      calls.add("extension " + command);
      return null;
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  private static ClassBytecodes[] classes(String name) {
    return new ClassBytecodes[] {new ClassBytecodes(name, new byte[] {1, 2, 3})};
  }

  @Test
  void loadsAndClassPathWaitForTheJvmAndArriveInOrderBeforeTheFirstInvoke() throws Exception {
    var started = new CompletableFuture<ExecutionControl>();
    var control = new StartingControl(started);
    control.load(classes("A"));
    control.addToClasspath("/x.jar");
    control.load(classes("B"));
    var recorder = new Recorder();
    var result =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return control.invoke("REPL.C", "do_it$");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(100);
    assertTrue(!result.isDone(), "invoke must wait for the cell JVM");
    started.complete(recorder);
    assertEquals("42", result.get(10, TimeUnit.SECONDS));
    assertEquals(
        List.of("load A", "classpath /x.jar", "load B", "invoke REPL.C.do_it$"), recorder.calls);
    // Once started, calls go straight through.
    control.load(classes("D"));
    assertEquals("7", control.varValue("REPL.C", "x"));
    assertEquals(
        List.of(
            "load A", "classpath /x.jar", "load B", "invoke REPL.C.do_it$", "load D", "varValue x"),
        recorder.calls);
  }

  @Test
  void aFailedLaunchFailsTheCallsThatNeedTheJvmWithItsReason() throws Exception {
    var started = new CompletableFuture<ExecutionControl>();
    var control = new StartingControl(started);
    control.load(classes("A"));
    started.completeExceptionally(new IOException("no java at /nowhere"));
    var e =
        assertThrows(EngineTerminationException.class, () -> control.invoke("REPL.C", "do_it$"));
    assertTrue(e.getMessage().contains("no java at /nowhere"), e.getMessage());
    assertThrows(EngineTerminationException.class, () -> control.load(classes("B")));
  }

  @Test
  void stopBeforeTheJvmIsUpDoesNothingAndCloseReachesTheJvmOnceUp() throws Exception {
    var started = new CompletableFuture<ExecutionControl>();
    var control = new StartingControl(started);
    control.stop();
    control.close();
    var recorder = new Recorder();
    started.complete(recorder);
    assertEquals(List.of("close"), recorder.calls);
  }
}
