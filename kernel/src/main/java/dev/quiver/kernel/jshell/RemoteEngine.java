package dev.quiver.kernel.jshell;

import com.sun.jdi.VirtualMachine;
import dev.quiver.agent.Agent;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import jdk.jshell.execution.JdiInitiator;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Starts the JVM that runs cells, the way the {@code jshell} tool does (JDI launch, one socket
 * carrying commands and the out/err/in streams), with {@link Agent} as the remote end and one more
 * stream, {@code display}.
 */
final class RemoteEngine implements ExecutionControlProvider {

  private static final int TIMEOUT_MS = 30_000;
  // At most 64 KB: a larger one must be set before the listener binds (ServerSocket's contract).
  private static final int RECEIVE_BUFFER = 64 << 10;

  private final OutputStream display;
  private final Consumer<RemoteControl> created;
  private final Consumer<OutputStream> widgets;
  private final Consumer<String> died;
  private final CompletableFuture<Started> early; // a JVM started before JShell asked, or null
  private volatile CompletableFuture<ExecutionControl> launched;

  /**
   * @param early a cell JVM {@link #start started} ahead of JShell, for the same options; or null
   */
  RemoteEngine(
      OutputStream display,
      Consumer<RemoteControl> created,
      Consumer<OutputStream> widgets,
      Consumer<String> died,
      CompletableFuture<Started> early) {
    this.display = display;
    this.created = created;
    this.widgets = widgets;
    this.died = died;
    this.early = early;
  }

  /**
   * A cell JVM started and attached through JDI, its agent connecting (or connected) to {@code
   * listener}, not yet wired to a JShell.
   */
  record Started(List<String> options, ServerSocket listener, VirtualMachine vm, Process process) {}

  /**
   * Starts a cell JVM now, on a thread of its own, before there is a JShell to use it. The kernel
   * does this first thing: the new process then starts on the second core while the kernel JVM
   * reads its connection file and binds its sockets, instead of competing with the default imports'
   * compile later.
   */
  static CompletableFuture<Started> start(List<String> vmOptions) {
    var started = new CompletableFuture<Started>();
    Thread.ofPlatform()
        .daemon()
        .name("quiver-cell-jvm-start")
        .start(
            () -> {
              ServerSocket listener = null;
              try {
                // Two connections: JShell's, then the agent's widget socket (WidgetChannel).
                listener = new ServerSocket(0, 2, InetAddress.getLoopbackAddress());
                listener.setSoTimeout(TIMEOUT_MS);
                // What the cell JVM printed but the kernel has not read yet waits in this buffer:
                // small, so that an interrupted cell's output still on its way is little (Linux
                // grew it to megabytes, which took the kernel a second to read and drop).
                listener.setReceiveBufferSize(RECEIVE_BUFFER);
                var options =
                    new ArrayList<>(
                        List.of(
                            "-Dstdout.encoding=UTF-8",
                            "-Dstderr.encoding=UTF-8",
                            "-Dstdin.encoding=UTF-8"));
                options.addAll(vmOptions);
                var jdi =
                    new JdiInitiator(
                        listener.getLocalPort(),
                        options,
                        Agent.class.getName(),
                        true,
                        null,
                        TIMEOUT_MS,
                        Map.of());
                quietClassEvents(jdi.vm());
                resumeAtStart(jdi.vm());
                drain(jdi.process().getInputStream(), "cell JVM stdout");
                drain(jdi.process().getErrorStream(), "cell JVM stderr");
                started.complete(
                    new Started(List.copyOf(vmOptions), listener, jdi.vm(), jdi.process()));
              } catch (Throwable t) {
                if (listener != null) {
                  try {
                    listener.close();
                  } catch (java.io.IOException ignored) {
                    // failing anyway
                  }
                }
                started.completeExceptionally(t);
              }
            });
    return started;
  }

  /**
   * Turns off the class events JDI asks for on its own. JDI enables a ClassPrepare and a
   * ClassUnload request on every VM it connects to, to keep a cache of the target's types up to
   * date: the cell JVM's debug agent then sends an event for every class it loads (the 3 000 of its
   * start, each lambda and hidden class after) and tags every class for the unload events, and this
   * JVM reads and parses each. JShell and {@link RemoteControl} only ask JDI for classes by name,
   * which without the cache JDI asks the cell JVM for each time. Off with {@code
   * -Dquiver.jdi.classEvents=true} (or when this JDK's JDI has no such internals).
   */
  static void quietClassEvents(VirtualMachine vm) {
    if (Boolean.getBoolean("quiver.jdi.classEvents")) {
      return;
    }
    try {
      var field = vm.getClass().getDeclaredField("internalEventRequestManager");
      field.setAccessible(true);
      var requests = (com.sun.jdi.request.EventRequestManager) field.get(vm);
      requests.deleteEventRequests(requests.classPrepareRequests());
      requests.deleteEventRequests(requests.classUnloadRequests());
    } catch (ReflectiveOperationException | RuntimeException e) {
      dev.quiver.kernel.Log.info("JDI's class events stay on: " + e);
    }
  }

  /**
   * Lets the cell JVM run on now. JDI's launch leaves it suspended at its start event, and JShell's
   * event handler (started once JShell asks for the engine, after the kernel's sockets are bound
   * and kernel_info answered) would resume it only then: the agent's start (its classes, its
   * connections to {@code listener}, which queue in its backlog until accepted) then competed with
   * the default imports' compile for the CPU. Taken here, the start event is not seen by that
   * handler, which only looks for the JVM's death and resumes whatever else it reads.
   */
  static void resumeAtStart(VirtualMachine vm) throws InterruptedException {
    var events = vm.eventQueue().remove(TIMEOUT_MS);
    if (events == null) {
      throw new IllegalStateException(
          "the cell JVM sent no start event within " + TIMEOUT_MS + " ms");
    }
    boolean started = events.stream().anyMatch(e -> e instanceof com.sun.jdi.event.VMStartEvent);
    events.resume();
    if (!started) {
      throw new IllegalStateException("the cell JVM's first event was not its start: " + events);
    }
  }

  @Override
  public String name() {
    return "quiver";
  }

  /**
   * Returns at once: the cell JVM starts on a thread of its own while JShell compiles the default
   * imports (see {@link StartingControl}).
   */
  @Override
  public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
    var started = new CompletableFuture<ExecutionControl>();
    launched = started;
    Thread.ofPlatform()
        .daemon()
        .name("quiver-cell-jvm-launch")
        .start(
            () -> {
              try {
                long t0 = System.nanoTime();
                var control = launch(env);
                dev.quiver.kernel.Log.info(
                    "cell JVM launched and connected in "
                        + (System.nanoTime() - t0) / 1_000_000
                        + " ms");
                started.complete(control);
              } catch (Throwable t) {
                started.completeExceptionally(t);
              }
            });
    return new StartingControl(started);
  }

  /** Waits until the cell JVM is up; throws, with the reason, when it could not start. */
  void awaitLaunch() {
    try {
      launched.join();
    } catch (java.util.concurrent.CompletionException e) {
      var cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("launching the cell JVM failed: " + cause, cause);
    }
  }

  private ExecutionControl launch(ExecutionEnv env) throws Throwable {
    Started jvm = null;
    if (early != null) {
      try {
        jvm = early.join();
      } catch (java.util.concurrent.CompletionException e) {
        dev.quiver.kernel.Log.info(
            "the early start of the cell JVM failed, starting it again: " + e.getCause());
      }
      if (jvm != null
          && !jvm.options()
              .equals(env.extraRemoteVMOptions())) { // started for another configuration
        jvm.process().destroyForcibly();
        jvm.listener().close();
        jvm = null;
      }
    }
    if (jvm == null) {
      try {
        jvm = start(env.extraRemoteVMOptions()).join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() != null ? e.getCause() : e; // the launch's own reason
      }
    }
    var vm = jvm.vm();
    var process = jvm.process();
    try (var listener = jvm.listener()) {
      Util.detectJdiExitEvent(
          vm,
          why -> {
            env.closeDown();
            died.accept(why);
          });
      var socket = listener.accept();
      // Commands and results are small writes answered at once: without this, Nagle's
      // algorithm and delayed ACKs add tens of milliseconds to every round trip.
      socket.setTcpNoDelay(true);
      acceptWidgets(listener);
      OutputStream toAgent =
          socket.getOutputStream(); // before the input: the object streams' headers
      Map<String, OutputStream> outputs = new HashMap<>();
      outputs.put("out", env.userOut());
      outputs.put("err", env.userErr());
      outputs.put("display", display);
      Map<String, InputStream> inputs = new HashMap<>();
      inputs.put("in", env.userIn());
      // JShell's demultiplexer reads each 127-byte packet with four reads, two of them of one
      // byte: unbuffered, that was four system calls per packet, and the kernel read a cell's
      // printing at a few MB/s.
      return Util.remoteInputOutput(
          new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16),
          toAgent,
          outputs,
          inputs,
          (in, out) -> {
            var control = new RemoteControl(out, in, vm, process);
            created.accept(control);
            return control;
          });
    }
  }

  // The agent connects its widget socket right after JShell's (Agent.connectWidgets). Without it
  // cells run as before; widgets then show as their text.
  private void acceptWidgets(ServerSocket listener) {
    try {
      listener.setSoTimeout(10_000);
      var socket = listener.accept();
      socket.setTcpNoDelay(true);
      widgets.accept(new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 14));
    } catch (java.io.IOException e) {
      dev.quiver.kernel.Log.info("widgets: the cell JVM did not connect its widget socket: " + e);
    }
  }

  // What the cell JVM writes to its real stdout/stderr (the JVM itself, before System.setOut,
  // or native code) goes to the kernel's log; a full pipe would otherwise block it.
  private static void drain(InputStream stream, String name) {
    Thread.ofPlatform()
        .daemon()
        .name("quiver-drain-" + name)
        .start(
            () -> {
              try (var reader =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (!line.startsWith("WARNING: Using incubator modules")) {
                    System.err.println("[" + name + "] " + line);
                  }
                }
              } catch (Exception ignored) {
                // the JVM is gone
              }
            });
  }
}
