package dev.quiver.kernel.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.wire.ConnectionInfo;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The kernel binds the connection file's five ports before it starts the cell JVM (KernelMain), so
 * the ports must be held from {@link KernelServer#bind} on, and a port someone else holds must fail
 * with the endpoint named.
 */
class KernelServerBindTest {

  @Test
  void bindHoldsAllFivePortsBeforeServing() throws IOException {
    var info = info(freePort(), freePort(), freePort(), freePort(), freePort());
    new KernelServer(info).bind();
    for (int port :
        new int[] {
          info.shellPort(), info.controlPort(), info.stdinPort(), info.iopubPort(), info.hbPort()
        }) {
      assertThrows(
          BindException.class,
          () -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close(),
          "port " + port + " should be bound by the kernel");
    }
  }

  @Test
  void aPortTakenByAnotherProcessIsNamed() throws IOException {
    try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var info = info(freePort(), freePort(), taken.getLocalPort(), freePort(), freePort());
      var error = assertThrows(IllegalStateException.class, () -> new KernelServer(info).bind());
      assertTrue(
          error.getMessage().contains("tcp://127.0.0.1:" + taken.getLocalPort()),
          error.getMessage());
    }
  }

  private static ConnectionInfo info(int shell, int control, int stdin, int iopub, int hb) {
    return new ConnectionInfo(
        "tcp", "127.0.0.1", shell, control, stdin, iopub, hb, "hmac-sha256", "key");
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
