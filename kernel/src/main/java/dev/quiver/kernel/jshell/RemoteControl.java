package dev.quiver.kernel.jshell;

import com.sun.jdi.BooleanValue;
import com.sun.jdi.ClassNotLoadedException;
import com.sun.jdi.Field;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import dev.quiver.agent.Agent;
import dev.quiver.agent.CellStop;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.util.Set;
import jdk.jshell.execution.JdiExecutionControl;
import jdk.jshell.execution.RemoteExecutionControl;

/**
 * The kernel's end of JShell's execution engine: JShell's streaming protocol to {@link Agent} in
 * the cell JVM, JDI class redefinition (inherited), and an interrupt in two steps.
 *
 * <h2>Interrupt</h2>
 *
 * The {@code jshell} tool stops a snippet by throwing an exception into its thread through JDI
 * ({@code ThreadReference.stop}): that stops anything that runs Java code, but it lands at an
 * arbitrary point, in the middle of a library call too, and it cannot wake a thread parked in
 * {@code Thread.sleep} or {@code queue.take()} until the wait ends. So {@link #stop()} first calls
 * {@code Thread.interrupt()} on the snippet's thread (through JDI): sleeps and waits end with
 * {@code InterruptedException}, interruptible channels close, and Quiver's runtime loops, which
 * poll {@code Thread.interrupted()}, end cleanly with {@code KernelInterruptedException}. Only when
 * the snippet is still running after {@link #POLITE_MS} (a plain {@code while (true)} loop, code
 * that swallows the interrupt) does it fall back to the JDI stop, as jshell does.
 */
final class RemoteControl extends JdiExecutionControl {

  static final long POLITE_MS = 250;

  /**
   * How long a stop waits for the cell to leave the JDK's stream and lock code before it is sent
   * there anyway.
   */
  static final long FORCE_MS = 300;

  private static final Set<String> AGENT_CLASSES =
      Set.of(Agent.class.getName(), RemoteExecutionControl.class.getName());
  private static final Set<String> USER_CODE_METHODS =
      Set.of("invoke", "varValue", "extensionCommand");

  private final VirtualMachine vm;
  private final Process process;
  private final Object lock = new Object();
  private boolean userCodeRunning;

  RemoteControl(ObjectOutput out, ObjectInput in, VirtualMachine vm, Process process) {
    super(out, in);
    this.vm = vm;
    this.process = process;
  }

  Process process() {
    return process;
  }

  @Override
  protected VirtualMachine vm() {
    return vm;
  }

  @Override
  public String invoke(String className, String methodName)
      throws RunException, EngineTerminationException, InternalException {
    return runUserCode(() -> super.invoke(className, methodName));
  }

  /**
   * Sets static field {@code name} of class {@code className} (loaded) to a boxed primitive value,
   * in one JDI command; false when the class, the field or the value's type does not fit.
   */
  boolean setStatic(String className, String name, Object value) {
    try {
      if (!(referenceType(vm, className) instanceof com.sun.jdi.ClassType type)) {
        return false;
      }
      var field = type.fieldByName(name);
      if (field == null || !field.isStatic()) {
        return false;
      }
      com.sun.jdi.Value mirror =
          switch (value) {
            case Integer i -> vm.mirrorOf(i);
            case Long l -> vm.mirrorOf(l);
            case Double d -> vm.mirrorOf(d);
            case Float f -> vm.mirrorOf(f);
            case Boolean b -> vm.mirrorOf(b);
            default -> null;
          };
      if (mirror == null || !field.typeName().equals(mirror.type().name())) {
        return false;
      }
      type.setValue(field, mirror);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** A call into the cell JVM that runs user code and answers with the agent's packed value. */
  @FunctionalInterface
  private interface UserCall {
    String call() throws RunException, EngineTerminationException, InternalException;
  }

  // Marks user code as running (for stop), unpacks the agent's answer (see Agent.RICH) and keeps
  // its plain text for the kernel; JShell gets the value string.
  private String runUserCode(UserCall call)
      throws RunException, EngineTerminationException, InternalException {
    lastPlainText = null; // as the agent forgets its last value
    running(true);
    String reply;
    try {
      reply = call.call();
    } finally {
      running(false);
    }
    var value = unpack(reply);
    lastPlainText = value.plainText();
    return value.valueString();
  }

  private volatile String lastPlainText;

  /**
   * Loads a quick cell's classes and runs its {@code do_it$} in one round trip (see {@link
   * Agent#LOAD_AND_RUN}); answers as {@link #invoke} does.
   */
  String loadAndRun(ClassBytecodes[] classes, String className)
      throws RunException, EngineTerminationException, InternalException {
    return runUserCode(
        () ->
            (String) super.extensionCommand(Agent.LOAD_AND_RUN, new Object[] {classes, className}));
  }

  /**
   * @param valueString JShell's value string; null when there is nothing to show ({@link
   *     Agent#NONE})
   * @param plainText the value's whole rendering when it has no rich one, else null
   */
  record Unpacked(String valueString, String plainText) {}

  // The agent's header (see Agent.RICH): JShell gets its value string, the kernel the plain text.
  static Unpacked unpack(String reply) throws InternalException {
    if (Agent.NONE.equals(reply)) {
      return new Unpacked(null, null);
    }
    if (reply == null || reply.length() < 2) {
      throw new InternalException("the cell JVM's agent answered an unexpected value: " + reply);
    }
    var header = reply.substring(0, 2);
    var rest = reply.substring(2);
    if (header.equals(Agent.RICH)) {
      return new Unpacked(rest, null);
    }
    if (header.equals(Agent.PLAIN_SAME)) {
      return new Unpacked(rest, rest);
    }
    int colon = rest.indexOf(':');
    if (!header.equals(Agent.PLAIN_OWN) || colon < 0) {
      throw new InternalException("the cell JVM's agent answered an unexpected value: " + reply);
    }
    int end = colon + 1 + Integer.parseInt(rest.substring(0, colon));
    return new Unpacked(rest.substring(end), rest.substring(colon + 1, end));
  }

  /**
   * The last value's text when it has no rich rendering (sent along with it), else null: then
   * {@link #renderLastValue} asks the cell JVM.
   */
  String takePlainText() {
    var t = lastPlainText;
    lastPlainText = null;
    return t;
  }

  @Override
  public String varValue(String className, String varName)
      throws RunException, EngineTerminationException, InternalException {
    running(true);
    try {
      return super.varValue(className, varName);
    } finally {
      running(false);
    }
  }

  @Override
  public Object extensionCommand(String command, Object arg)
      throws RunException, EngineTerminationException, InternalException {
    running(true);
    try {
      return super.extensionCommand(command, arg);
    } finally {
      running(false);
    }
  }

  /** The rich rendering of the last snippet's value, as JSON text. */
  String renderLastValue() throws RunException, EngineTerminationException, InternalException {
    return (String) extensionCommand(Agent.RENDER, null);
  }

  /**
   * What the last cell of another language published: "name TAB javaType" lines (see
   * LanguageBridge).
   */
  String publishedByOtherLanguage()
      throws RunException, EngineTerminationException, InternalException {
    return (String) super.extensionCommand(Agent.PUBLISHED, null);
  }

  private void running(boolean running) {
    synchronized (lock) {
      userCodeRunning = running;
      lock.notifyAll();
    }
  }

  @Override
  public void stop() throws EngineTerminationException, InternalException {
    tryStop();
  }

  /**
   * Stops the user code running now (see the class comment); false when none runs (none started
   * yet, or it ended), so that the caller can try again while its cell is still on its way.
   */
  boolean tryStop() throws EngineTerminationException, InternalException {
    synchronized (lock) {
      if (!userCodeRunning) {
        return false;
      }
    }
    try {
      var target = findUserCode();
      if (target == null) {
        return false;
      }
      // A cell that prints in a loop never looks at the interrupt: its next print ends it while
      // the flag is still set (CellStop).
      markInterrupted();
      target.thread().interrupt();
      if (waitUntilIdle(POLITE_MS)) {
        return true;
      }
      // The cell ignores the interrupt. A print or display call now ends it (CellStop), and
      // the JDI stop is sent only where it cannot land inside the output path.
      long deadline = System.nanoTime() + FORCE_MS * 1_000_000;
      while (true) {
        var sent = forceStop(System.nanoTime() < deadline);
        if (waitUntilIdle(sent ? POLITE_MS : 5)) {
          return true;
        }
        if (sent) {
          break;
        }
      }
      closeBlockingResource();
      return true;
    } catch (com.sun.jdi.VMDisconnectedException e) {
      throw new EngineTerminationException("the cell JVM is gone");
    }
  }

  private boolean waitUntilIdle(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    synchronized (lock) {
      while (userCodeRunning) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return false;
        }
        try {
          lock.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private record UserCode(ThreadReference thread, ObjectReference agent) {}

  // The thread whose stack holds the agent running user code (inClientCode true), or null.
  private UserCode findUserCode() throws InternalException {
    vm.suspend();
    try {
      var inClientCode = agentField("inClientCode");
      for (ThreadReference thread : vm.allThreads()) {
        for (StackFrame frame : thread.frames()) {
          var location = frame.location();
          if (AGENT_CLASSES.contains(location.declaringType().name())
              && USER_CODE_METHODS.contains(location.method().name())) {
            ObjectReference agent = frame.thisObject();
            if (((BooleanValue) agent.getValue(inClientCode)).value()) {
              return new UserCode(thread, agent);
            }
            return null;
          }
        }
      }
      return null;
    } catch (com.sun.jdi.IncompatibleThreadStateException e) {
      throw new InternalException("interrupt: cannot read the cell JVM's threads: " + e);
    } finally {
      vm.resume();
    }
  }

  /**
   * Asks the cell to stop at its next print or display call ({@link CellStop}) and, where the
   * thread is not inside the output path, sends JDI's stop as JdiDefaultExecutionControl does.
   * While {@code picky}, not inside the JDK's stream and lock code either (a stop there can leave a
   * stream's encoder or a lock half updated): it answers false and the caller tries again a moment
   * later.
   *
   * @return whether the JDI stop was sent (or there is nothing left to stop)
   */
  private boolean forceStop(boolean picky) throws InternalException {
    synchronized (lock) {
      if (!userCodeRunning) {
        return true;
      }
    }
    // The stop is sent while the whole VM is suspended, as JShell's own JDI engine does: the
    // thread is then still in user code when the exception lands. Resuming first left a window
    // in which, under load, the cell finished on its own and the exception hit the agent's
    // command loop instead, which ended the cell JVM (exit status 0, every variable lost).
    vm.suspend();
    try {
      var target = findUserCodeSuspended();
      if (target == null) {
        return true;
      }
      requestCellStop();
      var place = StopPlaces.of(target.thread().frames());
      if (place == StopPlaces.Place.OUTPUT || picky && place == StopPlaces.Place.JDK_STATE) {
        return false;
      }
      var expectingStop = agentField("expectingStop");
      var stopException = agentField("stopException");
      target.agent().setValue(expectingStop, vm.mirrorOf(true));
      var stopInstance = (ObjectReference) target.agent().getValue(stopException);
      target.thread().stop(stopInstance);
      target.agent().setValue(expectingStop, vm.mirrorOf(false));
      return true;
    } catch (com.sun.jdi.InvalidTypeException
        | com.sun.jdi.ClassNotLoadedException
        | com.sun.jdi.IncompatibleThreadStateException e) {
      throw new InternalException("interrupt: cannot stop the cell: " + e);
    } finally {
      vm.resume();
    }
  }

  // CellStop.interruptRequested = CellStop.cell (a static field: no thread need be suspended).
  private void markInterrupted() throws InternalException {
    try {
      var types = vm.classesByName(CellStop.class.getName());
      if (types.isEmpty()) {
        return; // an agent without it
      }
      var type = (com.sun.jdi.ClassType) types.getFirst();
      type.setValue(
          type.fieldByName("interruptRequested"), type.getValue(type.fieldByName("cell")));
    } catch (com.sun.jdi.InvalidTypeException | ClassNotLoadedException e) {
      throw new InternalException("interrupt: cannot mark the cell interrupted: " + e);
    }
  }

  // CellStop.stopRequested = CellStop.cell: the running cell's next print or display call ends it.
  // The VM is suspended.
  private void requestCellStop() throws com.sun.jdi.InvalidTypeException, ClassNotLoadedException {
    var types = vm.classesByName(CellStop.class.getName());
    if (types.isEmpty()) {
      return; // an agent without it
    }
    var type = (com.sun.jdi.ClassType) types.getFirst();
    type.setValue(type.fieldByName("stopRequested"), type.getValue(type.fieldByName("cell")));
  }

  private UserCode findUserCodeSuspended() throws com.sun.jdi.IncompatibleThreadStateException {
    var inClientCode = agentField("inClientCode");
    for (ThreadReference thread : vm.allThreads()) {
      for (StackFrame frame : thread.frames()) {
        var location = frame.location();
        if (AGENT_CLASSES.contains(location.declaringType().name())
            && USER_CODE_METHODS.contains(location.method().name())) {
          ObjectReference agent = frame.thisObject();
          return ((BooleanValue) agent.getValue(inClientCode)).value()
              ? new UserCode(thread, agent)
              : null;
        }
      }
    }
    return null;
  }

  // The snippet is blocked in native I/O: close the socket or stream it waits on, from the
  // agent's closer thread (see Agent.closeTarget). The pending stop exception then ends it.
  private void closeBlockingResource() throws InternalException {
    vm.suspend();
    try {
      var target = findUserCodeSuspended();
      if (target == null) {
        return;
      }
      ObjectReference closeable = null;
      for (StackFrame frame : target.thread().frames()) {
        var type = frame.location().declaringType();
        if (AGENT_CLASSES.contains(type.name())) {
          break;
        }
        var self = frame.thisObject();
        if (self != null && isJdkCloseable(self.referenceType())) {
          closeable = self;
          break;
        }
      }
      if (closeable == null) {
        return;
      }
      var agentType = (com.sun.jdi.ClassType) vm.classesByName(Agent.class.getName()).getFirst();
      agentType.setValue(agentType.fieldByName("closeTarget"), closeable);
      for (ThreadReference t : vm.allThreads()) {
        if (t.name().equals("quiver-interrupt-closer")) {
          t.interrupt();
        }
      }
    } catch (com.sun.jdi.InvalidTypeException
        | com.sun.jdi.ClassNotLoadedException
        | com.sun.jdi.IncompatibleThreadStateException e) {
      throw new InternalException("interrupt: cannot close the blocking resource: " + e);
    } finally {
      vm.resume();
    }
  }

  private static boolean isJdkCloseable(ReferenceType type) {
    var name = type.name();
    if (!(name.startsWith("java.") || name.startsWith("sun.") || name.startsWith("jdk."))) {
      return false;
    }
    return type instanceof com.sun.jdi.ClassType c
        && c.allInterfaces().stream().anyMatch(i -> i.name().equals("java.io.Closeable"));
  }

  private Field agentField(String name) {
    ReferenceType type = vm.classesByName(RemoteExecutionControl.class.getName()).getFirst();
    return type.fieldByName(name);
  }

  /**
   * How long a closing cell JVM may take to exit before it is killed. A JVM recording its AOT
   * configuration (the kernel's AOT training, {@code -XX:AOTMode=record}) writes tens of megabytes
   * on its way out, which took longer than 3 s on a loaded 2-core machine: killed, it left a
   * truncated configuration and the kernel started without its cell cache.
   */
  private static long exitWaitMillis() {
    return System.getProperty("quiver.jvm.flags", "").contains("-XX:AOTMode=record")
        ? 120_000
        : 3000;
  }

  @Override
  public void close() {
    super.close();
    if (process != null) {
      try {
        // After System.exit the JVM is already on its way out: let it finish, so its
        // exit status is what the cell asked for and not our kill's.
        if (!process.waitFor(exitWaitMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
