package dev.quiver.dsl.plot;

import java.util.ArrayList;
import java.util.List;

/** Contour lines of a function sampled on a grid, by marching squares. */
final class Contours {

  private Contours() {}

  /**
   * The line segments {x1, y1, x2, y2} where {@code z} crosses each of {@code levels} values evenly
   * spaced strictly between lo and hi; {@code z[i][j]} is the value at (x0 + i dx, y0 + j dy).
   */
  static List<double[]> segments(
      double[][] z, double x0, double dx, double y0, double dy, double lo, double hi, int levels) {
    var out = new ArrayList<double[]>();
    for (int l = 1; l <= levels; l++) {
      double level = lo + (hi - lo) * l / (levels + 1);
      for (int i = 0; i + 1 < z.length; i++) {
        for (int j = 0; j + 1 < z[i].length; j++) {
          cell(z, i, j, level, x0, dx, y0, dy, out);
        }
      }
    }
    return out;
  }

  private static void cell(
      double[][] z,
      int i,
      int j,
      double level,
      double x0,
      double dx,
      double y0,
      double dy,
      List<double[]> out) {
    // Corners counter-clockwise: (i, j), (i+1, j), (i+1, j+1), (i, j+1); edges between them.
    double[] v = {z[i][j], z[i + 1][j], z[i + 1][j + 1], z[i][j + 1]};
    int[][] corner = {{i, j}, {i + 1, j}, {i + 1, j + 1}, {i, j + 1}};
    double[] crossings = new double[8];
    int n = 0;
    for (int e = 0; e < 4; e++) {
      double a = v[e];
      double b = v[(e + 1) % 4];
      if (!Double.isFinite(a) || !Double.isFinite(b) || (a - level) * (b - level) >= 0) {
        continue;
      }
      double t = (level - a) / (b - a);
      int[] p = corner[e];
      int[] q = corner[(e + 1) % 4];
      crossings[2 * n] = x0 + (p[0] + t * (q[0] - p[0])) * dx;
      crossings[2 * n + 1] = y0 + (p[1] + t * (q[1] - p[1])) * dy;
      n++;
    }
    for (int k = 0; k + 1 < n; k += 2) {
      out.add(
          new double[] {
            crossings[2 * k], crossings[2 * k + 1], crossings[2 * k + 2], crossings[2 * k + 3]
          });
    }
  }
}
