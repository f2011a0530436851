package dev.quiver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;

/**
 * A kernel started as a frontend starts one (a connection file naming five ports the frontend found
 * free and closed again, then {@code KernelMain FILE}) holds its five ports before it starts the
 * cell JVM, whose JDI connection and sockets take ephemeral ports from the range the frontend chose
 * from; a port already taken is named in the error.
 */
class KernelStartPortsTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /**
   * Stands in for what the cell JVM's start does to ephemeral ports: from the moment the kernel has
   * a child process (the cell JVM), something on this machine binds each of the connection file's
   * ports the moment it is free. Bound first, the kernel keeps all five and answers kernel_info;
   * bound after the cell JVM's start (as before), it lost a port and died with "Address already in
   * use".
   */
  @Test
  void aKernelStartedWhileEphemeralPortsChurnKeepsItsOwnPorts(@TempDir Path dir) throws Exception {
    var ports = freePorts(5);
    var key = UUID.randomUUID().toString();
    var kernel = start(dir, ports, key);
    var churning = new AtomicBoolean(true);
    var taken = new ArrayList<ServerSocket>();
    var churn =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (churning.get() && kernel.isAlive()) {
                    if (kernel.children().findAny().isPresent()) {
                      for (int port : ports) {
                        try {
                          taken.add(new ServerSocket(port, 1, LOOPBACK));
                        } catch (IOException busy) {
                          // the kernel holds it
                        }
                      }
                    }
                    Thread.onSpinWait();
                  }
                });
    try {
      var reply = kernelInfo(ports, key);
      churning.set(false);
      churn.join();
      assertEquals(
          List.of(),
          taken.stream().map(ServerSocket::getLocalPort).toList(),
          "ports of the connection file taken while the cell JVM started");
      assertNotNull(reply, "no kernel_info_reply; the kernel's log:\n" + log(dir));
      assertEquals("ok", reply.content().path("status").asText());
      assertTrue(kernel.children().findAny().isPresent(), "the cell JVM was started");
    } finally {
      churning.set(false);
      churn.join();
      for (var s : taken) {
        s.close();
      }
      stop(kernel);
    }
  }

  @Test
  void aPortTakenBeforeTheStartIsNamedAndNoCellJvmStarts(@TempDir Path dir) throws Exception {
    var ports = freePorts(5);
    try (var taken = new ServerSocket(ports[3], 1, LOOPBACK)) {
      var kernel = start(dir, ports, "key");
      try {
        var children = new java.util.LinkedHashSet<Long>();
        while (kernel.isAlive()) {
          kernel.children().forEach(c -> children.add(c.pid()));
          kernel.waitFor(1, TimeUnit.MILLISECONDS);
        }
        assertTrue(kernel.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, kernel.exitValue());
        var log = log(dir);
        assertTrue(log.contains("cannot bind tcp://127.0.0.1:" + ports[3]), log);
        assertEquals(
            List.of(), List.copyOf(children), "a cell JVM was started before the ports were bound");
      } finally {
        stop(kernel);
      }
    }
  }

  // KernelMain in a JVM of its own, with this JVM's class path and module flags.
  private static Process start(Path dir, int[] ports, String key) throws IOException {
    var connection = dir.resolve("kernel.json");
    Files.writeString(
        connection,
        String.format(
            Locale.ROOT,
            "{\"shell_port\": %d, \"iopub_port\": %d, \"stdin_port\": %d, \"control_port\": %d,"
                + " \"hb_port\": %d, \"ip\": \"127.0.0.1\", \"key\": \"%s\", \"transport\": \"tcp\","
                + " \"signature_scheme\": \"hmac-sha256\", \"kernel_name\": \"quiver-java\"}",
            ports[0],
            ports[1],
            ports[2],
            ports[3],
            ports[4],
            key));
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (var arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
        command.add(arg);
      }
    }
    command.add("-Dquiver.history=" + dir.resolve("history.jsonl"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KernelMain.class.getName());
    command.add(connection.toString());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("kernel.log").toFile())
        .start();
  }

  private static Message kernelInfo(int[] ports, String key) {
    try (var context = new ZContext()) {
      var shell = context.createSocket(SocketType.DEALER);
      shell.setReceiveTimeOut(60_000);
      shell.connect("tcp://127.0.0.1:" + ports[0]);
      return AotWireSession.request(
          shell, new WireCodec(key, "test-client"), "kernel_info_request", Message.object());
    }
  }

  private static int[] freePorts(int n) throws IOException {
    var sockets = new ArrayList<ServerSocket>();
    try {
      for (int i = 0; i < n; i++) {
        sockets.add(new ServerSocket(0, 1, LOOPBACK));
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } finally {
      for (var s : sockets) {
        s.close();
      }
    }
  }

  private static String log(Path dir) throws IOException {
    var file = dir.resolve("kernel.log");
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  private static void stop(Process kernel) throws InterruptedException {
    kernel.descendants().forEach(ProcessHandle::destroyForcibly);
    kernel.destroyForcibly();
    kernel.waitFor(10, TimeUnit.SECONDS);
  }
}
