package dev.quiver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class FreshJvmsTest {
  private static Row child(double ns, double ratio) {
    Row r =
        new Row()
            .put("bench", "smallop")
            .put("size", 1000)
            .put("ns_per_op", ns)
            .put("ratio", ratio)
            .put("note", "a \"quoted\" word\nand a line");
    return r.put(FreshJvms.MEASURED, r.measuredKeys());
  }

  @Test
  void aRowSurvivesItsJson() {
    Row back = Row.parseJson(child(12.5, 0.25).toJson());
    assertEquals("smallop", back.get("bench"));
    assertEquals(1000.0, back.get("size"));
    assertEquals(12.5, back.get("ns_per_op"));
    assertEquals("a \"quoted\" word\nand a line", back.get("note"));
    assertEquals("ns_per_op,ratio", back.get(FreshJvms.MEASURED));
  }

  @Test
  void measuredFieldsBecomeMedianMinAndMaxOthersAreCopied() {
    List<List<Row>> runs =
        List.of(
            List.of(Row.parseJson(child(30, 0.3).toJson())),
            List.of(Row.parseJson(child(10, 0.1).toJson())),
            List.of(Row.parseJson(child(20, 0.5).toJson())));
    Row r = FreshJvms.aggregate(runs).getFirst();
    assertEquals(20.0, r.get("ns_per_op"));
    assertEquals(10.0, r.get("ns_per_op_min"));
    assertEquals(30.0, r.get("ns_per_op_max"));
    assertEquals(0.3, r.get("ratio"));
    assertEquals(0.1, r.get("ratio_min"));
    assertEquals(0.5, r.get("ratio_max"));
    assertEquals(1000.0, r.get("size"));
    assertNull(r.get("size_min"), "configuration gets no range");
    assertNull(r.get(FreshJvms.MEASURED));
    assertEquals(3, r.get("jvms"));
  }

  @Test
  void rawRoundsSurviveTheJsonAndAreKeptOneListPerJvm() {
    Row a = child(10, 0.1).put("ns_per_op_rounds", List.of(9.5, 10.0, 12.25));
    Row b = child(20, 0.2).put("ns_per_op_rounds", List.of(20.0));
    Row back = Row.parseJson(a.toJson());
    assertEquals(List.of(9.5, 10.0, 12.25), back.get("ns_per_op_rounds"));
    assertEquals("ns_per_op,ratio", back.get(FreshJvms.MEASURED), "rounds are not a figure");
    Row r =
        FreshJvms.aggregate(List.of(List.of(back), List.of(Row.parseJson(b.toJson())))).getFirst();
    assertEquals(List.of(List.of(9.5, 10.0, 12.25), List.of(20.0)), r.get("ns_per_op_rounds"));
    assertEquals(
        List.of(List.of(9.5, 10.0, 12.25), List.of(20.0)),
        Row.parseJson(r.toJson()).get("ns_per_op_rounds"));
    assertEquals(15.0, r.get("ns_per_op"));
  }

  @Test
  void thePeersRawRoundsAreParsed() {
    var p =
        Peer.parseFlat(
            "{\"us_per_step\": 500.5, \"us_per_step_rounds\": [500.5, 498, 1e3], \"x\": []}");
    assertEquals(500.5, p.get("us_per_step"));
    assertEquals(List.of(500.5, 498.0, 1000.0), p.get("us_per_step_rounds"));
    assertEquals(List.of(), p.get("x"));
  }

  @Test
  void roundsLastTheirMinimumAndRepeatsIsAFloor() throws Exception {
    var plan = Timing.plan(() -> Thread.sleep(120), 1, 50);
    assertEquals(1, plan.calls(), "a call longer than a round is a round");
    assertEquals(50, plan.rounds(), "--repeats above the cap is kept");
  }

  @Test
  void aFigureIsTheLowerDecileOfItsRoundsInterpolated() {
    double[] rounds = {50, 10, 30, 20, 40, 60, 70, 80, 90, 100, 110};
    assertEquals(20.0, Timing.quantile(rounds, Timing.FIGURE_QUANTILE), 1e-12);
    assertEquals(14.0, Timing.quantile(new double[] {30, 10, 20, 40, 50}, 0.1), 1e-12);
    assertEquals(60.0, Timing.median(rounds));
    assertEquals(7.0, Timing.quantile(new double[] {7}, 0.1));
  }

  @Test
  void runsThatDisagreeOnTheirRowsAreRefused() {
    var e =
        assertThrows(
            IllegalStateException.class,
            () ->
                FreshJvms.aggregate(
                    List.of(List.of(child(1, 1)), List.of(child(1, 1), child(2, 2)))));
    assertEquals("the benchmark JVMs printed different numbers of rows: [1, 2]", e.getMessage());
  }

  @Test
  void badJvmCountsAreRefusedWithTheValue() {
    var e =
        assertThrows(
            Options.UsageException.class,
            () -> Options.parse(new String[] {"smallop", "--jvms", "0"}));
    assertEquals("--jvms needs a positive whole number, got '0'", e.getMessage());
    assertEquals(5, Options.parse(new String[] {"smallop"}).jvms());
  }
}
