package dev.quiver.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireCodecTest {

  private final WireCodec codec = new WireCodec("secret-key", "session-1");

  private List<byte[]> signedExecute(String code) {
    var content = Message.object();
    content.put("code", code);
    var m =
        new Message(
            List.of("client-id".getBytes(StandardCharsets.UTF_8)),
            codec.header("execute_request"),
            Message.object(),
            Message.object(),
            content,
            List.of());
    return codec.encode(m);
  }

  @Test
  void roundTripKeepsIdentitiesAndContent() throws Exception {
    var m = codec.decode(signedExecute("1 + 1"));
    assertEquals("execute_request", m.type());
    assertEquals("1 + 1", m.content().path("code").asText());
    assertArrayEquals("client-id".getBytes(StandardCharsets.UTF_8), m.identities().getFirst());
  }

  @Test
  void aReplayedMessageIsRefusedByEveryCodecSharingTheHistory() throws Exception {
    var seen = new dev.quiver.kernel.wire.SeenSignatures();
    var shell = new WireCodec("secret-key", "session-1", seen);
    var control = new WireCodec("secret-key", "session-1", seen);
    var frames = signedExecute("counter++;");
    assertEquals("counter++;", shell.decode(frames).content().path("code").asText());
    var again = assertThrows(WireCodec.BadMessage.class, () -> shell.decode(frames));
    assertEquals("replayed message: its signature was seen before", again.getMessage());
    assertThrows(WireCodec.BadMessage.class, () -> control.decode(frames));
    // A new message with the same content has a new header, so a new signature.
    assertEquals(
        "counter++;", control.decode(signedExecute("counter++;")).content().path("code").asText());
  }

  @Test
  void changedContentIsRefused() {
    var frames = new ArrayList<>(signedExecute("int x = 1;"));
    frames.set(6, "{\"code\":\"int x = 2;\"}".getBytes(StandardCharsets.UTF_8));
    var bad = assertThrows(WireCodec.BadMessage.class, () -> codec.decode(frames));
    assertEquals("invalid signature", bad.getMessage());
  }

  @Test
  void missingSignatureIsRefusedAndTheKeyIsNeverInTheMessage() {
    var frames = new ArrayList<>(signedExecute("int x = 1;"));
    frames.set(2, new byte[0]);
    var bad = assertThrows(WireCodec.BadMessage.class, () -> codec.decode(frames));
    assertEquals("missing signature", bad.getMessage());
    assertTrue(!bad.getMessage().contains("secret"));
  }

  @Test
  void otherKeyIsRefused() {
    var other = new WireCodec("another-key", "s");
    assertThrows(WireCodec.BadMessage.class, () -> other.decode(signedExecute("1")));
  }

  @Test
  void randomFramesNeverThrowAnythingButBadMessage() {
    var rng = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      var frames = new ArrayList<byte[]>();
      int n = rng.nextInt(9);
      for (int f = 0; f < n; f++) {
        var b = new byte[rng.nextInt(40)];
        rng.nextBytes(b);
        frames.add(
            rng.nextInt(4) == 0 ? WireCodec.DELIMITER.getBytes(StandardCharsets.US_ASCII) : b);
      }
      try {
        codec.decode(frames);
      } catch (WireCodec.BadMessage expected) {
        // the only allowed failure
      }
    }
  }

  @Test
  void emptyKeyMeansNoSigning() throws Exception {
    var open = new WireCodec("", "s");
    var content = Message.object();
    var frames =
        open.encode(
            new Message(
                List.of(),
                open.header("kernel_info_request"),
                Message.object(),
                Message.object(),
                content,
                List.of()));
    assertEquals(0, frames.get(1).length);
    assertEquals("kernel_info_request", open.decode(frames).type());
  }
}
