package dev.quiver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quiver.runtime.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peer's turns with a stand-in for peer.py that logs each piece of work it does. */
class PairedPeerTest {
  @TempDir Path dir;

  /** A script with peer.py's protocol: set-up, then two rounds, each after a turn. */
  private Path script(String result) throws IOException {
    Path log = dir.resolve("log");
    Path s = dir.resolve("peer.py");
    Files.writeString(
        s,
        """
        import os, sys
        log = open(%s, "a")
        def turn():
            if os.environ.get("QUIVER_PEER_PAIRED") == "1":
                print("turn", flush=True)
                if sys.stdin.readline().strip() != "go":
                    sys.exit(4)
        log.write("set-up\\n"); log.flush()
        for r in (1, 2):
            turn()
            log.write("round %%d\\n" %% r); log.flush()
        print(%s)
        """
            .formatted("'" + log + "'", "'" + result + "'"));
    return s;
  }

  private List<String> log() throws IOException {
    Path log = dir.resolve("log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  @Test
  void eachTurnLetsThePeerDoOnePieceOfWorkAndFinishRunsTheRest() throws Exception {
    String old = System.getProperty("quiver.bench.script");
    System.setProperty(
        "quiver.bench.script",
        script("{\"ns_per_op\": 12.5, \"ns_per_op_rounds\": [12, 13]}").toString());
    try (var peer = new PairedPeer("smallop", 1000, "torch", Device.CPU)) {
      assertEquals(List.of(), log(), "nothing runs before the first turn");
      peer.turn();
      assertEquals(List.of("set-up"), log());
      peer.turn();
      assertEquals(List.of("set-up", "round 1"), log());
      var result = peer.finish();
      assertEquals(List.of("set-up", "round 1", "round 2"), log());
      assertEquals(12.5, result.get("ns_per_op"));
      assertEquals(List.of(12.0, 13.0), result.get("ns_per_op_rounds"));
    } finally {
      restore(old);
    }
  }

  @Test
  void aFailedPeerIsReportedWithWhatItPrinted() throws Exception {
    String old = System.getProperty("quiver.bench.script");
    System.setProperty("quiver.bench.script", script("{\"error\": \"no such bench\"}").toString());
    try (var peer = new PairedPeer("smallop", 1000, "torch", Device.CPU)) {
      var e = assertThrows(IOException.class, peer::finish);
      assertEquals(
          "the torch peer failed (exit 0): {\"error\": \"no such bench\"}", e.getMessage());
    } finally {
      restore(old);
    }
  }

  private static void restore(String old) {
    if (old == null) {
      System.clearProperty("quiver.bench.script");
    } else {
      System.setProperty("quiver.bench.script", old);
    }
  }
}
