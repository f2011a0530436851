package dev.quiver.kernel.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jdi.ReferenceType;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.request.EventRequestManager;
import dev.quiver.agent.Agent;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RemoteEngineTest {

  @Test
  void theCellJvmSendsNoClassEventsAndItsClassesAreStillFoundByName() throws Exception {
    var started =
        RemoteEngine.start(List.of("--class-path", System.getProperty("java.class.path")))
            .get(60, TimeUnit.SECONDS);
    try {
      var vm = started.vm();
      // JDI's own requests: with them the cell JVM would send an event for every class it loads.
      var internal = internalRequests(vm);
      assertEquals(List.of(), internal.classPrepareRequests());
      assertEquals(List.of(), internal.classUnloadRequests());
      // What JShell and RemoteControl ask JDI for still works: a class by name, prepared.
      ReferenceType agent = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (agent == null && System.nanoTime() < deadline) {
        var found = vm.classesByName(Agent.class.getName());
        if (!found.isEmpty() && found.getFirst().isPrepared()) {
          agent = found.getFirst();
        } else {
          Thread.sleep(20);
        }
      }
      assertTrue(agent != null, "the agent's class was never found prepared through JDI");
      assertTrue(agent.methodsByName("main").size() == 1, () -> "methods: " + vm);
    } finally {
      started.process().destroyForcibly();
      started.listener().close();
    }
  }

  @Test
  void theCellJvmRunsItsAgentBeforeJShellAsksForIt() throws Exception {
    var started =
        RemoteEngine.start(List.of("--class-path", System.getProperty("java.class.path")))
            .get(60, TimeUnit.SECONDS);
    try (var listener = started.listener()) {
      // No JShell, no event handler: nobody resumes the JVM after its start event but the start
      // itself, and its agent connects JShell's socket and the widget socket meanwhile.
      listener.setSoTimeout(60_000);
      try (var jshell = listener.accept();
          var widgets = listener.accept()) {
        assertTrue(jshell.isConnected() && widgets.isConnected());
      }
      assertTrue(started.process().isAlive());
    } finally {
      started.process().destroyForcibly();
    }
  }

  private static EventRequestManager internalRequests(VirtualMachine vm) throws Exception {
    var field = vm.getClass().getDeclaredField("internalEventRequestManager");
    field.setAccessible(true);
    return (EventRequestManager) field.get(vm);
  }
}
