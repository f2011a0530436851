package dev.quiver.kernel.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection files as frontends write them, and the ones a kernel must refuse. */
class ConnectionInfoTest {

  @TempDir Path dir;

  @Test
  void aFileAsJupyterWritesItIsRead() throws IOException {
    var info =
        read(
            """
            {"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
             "hb_port": 5005, "ip": "127.0.0.1", "key": "a-\\"quoted\\"-key",
             "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "quiver-java",
             "jupyter_session": {"nested": [1, 2, {"deep": true}]}, "extra": null}
            """);
    assertEquals(
        new ConnectionInfo(
            "tcp", "127.0.0.1", 5001, 5004, 5003, 5002, 5005, "hmac-sha256", "a-\"quoted\"-key"),
        info);
    assertEquals("tcp://127.0.0.1:5002", info.endpoint(info.iopubPort()));
  }

  @Test
  void whatIsLeftOutTakesJupytersDefaults() throws IOException {
    var info =
        read(
            "{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
                + " \"hb_port\": 5}");
    assertEquals(new ConnectionInfo("tcp", "127.0.0.1", 1, 4, 3, 2, 5, "hmac-sha256", ""), info);
  }

  @Test
  void aPortThatIsMissingOrNotANumberIsNamed() {
    var missing =
        assertThrows(
            IOException.class,
            () ->
                read("{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"hb_port\": 5}"));
    assertTrue(missing.getMessage().contains("control_port"), missing.getMessage());
    var text =
        assertThrows(
            IOException.class,
            () ->
                read(
                    "{\"shell_port\": \"1\", \"iopub_port\": 2, \"stdin_port\": 3,"
                        + " \"control_port\": 4, \"hb_port\": 5}"));
    assertTrue(text.getMessage().contains("shell_port"), text.getMessage());
    var huge =
        assertThrows(
            IOException.class,
            () ->
                read(
                    "{\"shell_port\": 1, \"iopub_port\": 99999999999, \"stdin_port\": 3,"
                        + " \"control_port\": 4, \"hb_port\": 5}"));
    assertTrue(huge.getMessage().contains("iopub_port"), huge.getMessage());
  }

  @Test
  void anotherSignatureSchemeOrNoObjectIsRefused() {
    var scheme =
        assertThrows(
            IOException.class,
            () ->
                read(
                    "{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4,"
                        + " \"hb_port\": 5, \"signature_scheme\": \"hmac-md5\"}"));
    assertTrue(scheme.getMessage().contains("hmac-md5"), scheme.getMessage());
    assertThrows(IOException.class, () -> read("[1, 2]"));
    assertThrows(IOException.class, () -> read("{\"shell_port\": 1,"));
  }

  private ConnectionInfo read(String json) throws IOException {
    var file = dir.resolve("kernel.json");
    Files.writeString(file, json);
    return ConnectionInfo.read(file);
  }
}
