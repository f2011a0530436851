package dev.quiver.kernel.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The connection file Jupyter writes for a kernel: where to bind and how to sign.
 *
 * @param transport "tcp" or "ipc"
 * @param ip the only address the sockets bind to
 * @param key HMAC key; empty means messages are not signed
 */
public record ConnectionInfo(
    String transport,
    String ip,
    int shellPort,
    int controlPort,
    int stdinPort,
    int iopubPort,
    int hbPort,
    String signatureScheme,
    String key) {

  public static ConnectionInfo read(Path file) throws IOException {
    JsonNode n = new ObjectMapper().readTree(file.toFile());
    var scheme = text(n, "signature_scheme", "hmac-sha256");
    if (!scheme.equals("hmac-sha256")) {
      throw new IOException(
          "connection file "
              + file
              + ": signature_scheme "
              + scheme
              + " is not supported; only hmac-sha256");
    }
    return new ConnectionInfo(
        text(n, "transport", "tcp"),
        text(n, "ip", "127.0.0.1"),
        port(n, "shell_port", file),
        port(n, "control_port", file),
        port(n, "stdin_port", file),
        port(n, "iopub_port", file),
        port(n, "hb_port", file),
        scheme,
        text(n, "key", ""));
  }

  /**
   * The ZeroMQ endpoint for a port, e.g. {@code tcp://127.0.0.1:5555} or {@code ipc://kernel-5555}.
   */
  public String endpoint(int port) {
    return transport.equals("ipc")
        ? "ipc://" + ip + "-" + port
        : transport + "://" + ip + ":" + port;
  }

  private static String text(JsonNode n, String field, String fallback) {
    var v = n.get(field);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  private static int port(JsonNode n, String field, Path file) throws IOException {
    var v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new IOException(
          "connection file " + file + ": " + field + " is missing or not a number");
    }
    return v.asInt();
  }
}
