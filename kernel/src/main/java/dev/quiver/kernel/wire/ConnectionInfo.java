package dev.quiver.kernel.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

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

  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Reads a connection file. With Jackson's streaming parser, not an {@code ObjectMapper}: this is
   * the first thing a kernel does, before it can bind its ports and start the cell JVM, and the
   * first {@code ObjectMapper} of a JVM costs tens of milliseconds of class initialization (its
   * date formats, among others), which the kernel now does meanwhile on another thread.
   */
  public static ConnectionInfo read(Path file) throws IOException {
    var fields = new java.util.HashMap<String, Object>();
    try (var parser = JSON.createParser(file.toFile())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("connection file " + file + ": not a JSON object");
      }
      for (var t = parser.nextToken(); t == JsonToken.FIELD_NAME; t = parser.nextToken()) {
        var name = parser.currentName();
        var value = parser.nextToken();
        if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == NumberType.INT) {
          fields.put(name, parser.getIntValue());
        } else if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
          fields.put(name, parser.getText());
        } else {
          parser.skipChildren(); // an object or array: no field the kernel reads
          fields.remove(name);
        }
      }
    }
    var scheme = text(fields, "signature_scheme", "hmac-sha256");
    if (!scheme.equals("hmac-sha256")) {
      throw new IOException(
          "connection file "
              + file
              + ": signature_scheme "
              + scheme
              + " is not supported; only hmac-sha256");
    }
    return new ConnectionInfo(
        text(fields, "transport", "tcp"),
        text(fields, "ip", "127.0.0.1"),
        port(fields, "shell_port", file),
        port(fields, "control_port", file),
        port(fields, "stdin_port", file),
        port(fields, "iopub_port", file),
        port(fields, "hb_port", file),
        scheme,
        text(fields, "key", ""));
  }

  /**
   * The ZeroMQ endpoint for a port, e.g. {@code tcp://127.0.0.1:5555} or {@code ipc://kernel-5555}.
   */
  public String endpoint(int port) {
    return transport.equals("ipc")
        ? "ipc://" + ip + "-" + port
        : transport + "://" + ip + ":" + port;
  }

  private static String text(Map<String, Object> fields, String field, String fallback) {
    var v = fields.get(field);
    return v == null ? fallback : v.toString();
  }

  private static int port(Map<String, Object> fields, String field, Path file) throws IOException {
    if (!(fields.get(field) instanceof Integer port)) {
      throw new IOException(
          "connection file " + file + ": " + field + " is missing or not a number");
    }
    return port;
  }
}
