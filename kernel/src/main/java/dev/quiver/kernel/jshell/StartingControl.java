package dev.quiver.kernel.jshell;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import jdk.jshell.spi.ExecutionControl;

/**
 * JShell's execution engine while the cell JVM is still starting.
 *
 * <p>Why: JShell launches its engine inside {@code JShell.build()} and then evaluates the default
 * imports one by one, each a compilation in this JVM's (cold) javac. Done one after the other, the
 * first cell waited for the launch (about half a second) plus all of the compiling. With this
 * stand-in, {@code build()} returns at once, the launch goes on in the background, and the imports
 * compile meanwhile.
 *
 * <p>Only what does not need an answer from the cell JVM is deferred: class loading (JShell's
 * wrapper classes of imports and declarations) and class path additions, replayed in order once the
 * JVM is up. Everything else (running code, reading a variable, redefining a class, an extension
 * command) waits for the launch, and fails as the launch failed.
 */
final class StartingControl implements ExecutionControl {

  private final CompletableFuture<ExecutionControl> started;
  private final List<Deferred> pending = new ArrayList<>(); // guarded by this
  private volatile ExecutionControl ready;

  private sealed interface Deferred {}

  private record Load(ClassBytecodes[] classes) implements Deferred {}

  private record AddToClasspath(String path) implements Deferred {}

  StartingControl(CompletableFuture<ExecutionControl> started) {
    this.started = started;
  }

  /**
   * The cell JVM's control once it is up and the deferred calls are replayed; throws as the launch
   * failed.
   */
  private ExecutionControl engine() throws EngineTerminationException, InternalException {
    var r = ready;
    if (r != null) {
      return r;
    }
    synchronized (this) {
      if (ready != null) {
        return ready;
      }
      ExecutionControl real;
      try {
        real = started.join();
      } catch (CompletionException | java.util.concurrent.CancellationException e) {
        var cause = e.getCause() != null ? e.getCause() : e;
        throw new EngineTerminationException("the cell JVM did not start: " + cause);
      }
      for (var d : pending) {
        try {
          switch (d) {
            case Load load -> real.load(load.classes());
            case AddToClasspath add -> real.addToClasspath(add.path());
          }
        } catch (ClassInstallException | NotImplementedException e) {
          // JShell's own wrapper classes, compiled by this JVM's javac: not expected.
          throw new InternalException("replaying " + d + " in the cell JVM failed: " + e);
        }
      }
      pending.clear();
      ready = real;
      return real;
    }
  }

  @Override
  public void load(ClassBytecodes[] cbcs)
      throws ClassInstallException, NotImplementedException, EngineTerminationException {
    synchronized (this) {
      if (ready == null && !started.isDone()) {
        pending.add(new Load(cbcs.clone()));
        return;
      }
    }
    try {
      engine().load(cbcs);
    } catch (InternalException e) {
      throw new EngineTerminationException(e.getMessage());
    }
  }

  @Override
  public void addToClasspath(String path) throws EngineTerminationException, InternalException {
    synchronized (this) {
      if (ready == null && !started.isDone()) {
        pending.add(new AddToClasspath(path));
        return;
      }
    }
    engine().addToClasspath(path);
  }

  @Override
  public void redefine(ClassBytecodes[] cbcs)
      throws ClassInstallException, NotImplementedException, EngineTerminationException {
    try {
      engine().redefine(cbcs);
    } catch (InternalException e) {
      throw new EngineTerminationException(e.getMessage());
    }
  }

  @Override
  public String invoke(String className, String methodName)
      throws RunException, EngineTerminationException, InternalException {
    return engine().invoke(className, methodName);
  }

  @Override
  public String varValue(String className, String varName)
      throws RunException, EngineTerminationException, InternalException {
    return engine().varValue(className, varName);
  }

  @Override
  public void stop() throws EngineTerminationException, InternalException {
    var r = ready;
    if (r != null) {
      r.stop();
    }
  }

  @Override
  public Object extensionCommand(String command, Object arg)
      throws RunException, EngineTerminationException, InternalException {
    return engine().extensionCommand(command, arg);
  }

  @Override
  public void close() {
    started.thenAccept(ExecutionControl::close);
  }
}
