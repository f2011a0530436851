package dev.quiver.dsl.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ContoursTest {

  /** The contours of x^2 + y^2 are circles: every segment's ends lie on the level's circle. */
  @Test
  void contoursOfABowlAreCircles() {
    int g = 81;
    double x0 = -2;
    double d = 4.0 / (g - 1);
    double[][] z = new double[g][g];
    for (int i = 0; i < g; i++) {
      for (int j = 0; j < g; j++) {
        double x = x0 + i * d;
        double y = x0 + j * d;
        z[i][j] = x * x + y * y;
      }
    }
    var segments = Contours.segments(z, x0, d, x0, d, 0, 4, 3); // levels 1, 2, 3
    assertTrue(segments.size() > 100, "segments: " + segments.size());
    int[] perLevel = new int[3];
    for (double[] s : segments) {
      double r1 = s[0] * s[0] + s[1] * s[1];
      double r2 = s[2] * s[2] + s[3] * s[3];
      int level = (int) Math.round(r1);
      assertEquals(level, r1, 0.01, "an end off its circle");
      assertEquals(level, r2, 0.01, "an end off its circle");
      perLevel[level - 1]++;
    }
    // A longer circle is cut into more segments, in proportion to its radius.
    assertTrue(
        perLevel[0] < perLevel[1] && perLevel[1] < perLevel[2],
        perLevel[0] + " " + perLevel[1] + " " + perLevel[2]);
  }
}
