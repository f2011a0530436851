package dev.quiver.dsl.optim;

/** A learning rate as a function of the epoch (counted from 0). */
public sealed interface Schedule extends java.io.Serializable {
  double at(double baseLr, int epoch);

  /** lr·gamma^floor(epoch / every): drops by gamma every few epochs. */
  static Schedule step(int every, double gamma) {
    return new Step(every, gamma);
  }

  /** lr·gamma^epoch. */
  static Schedule exponential(double gamma) {
    return new Exponential(gamma);
  }

  /**
   * Half a cosine from lr to minLr over {@code epochs}, then minLr (Loshchilov and Hutter's SGDR
   * without restarts).
   */
  static Schedule cosine(int epochs, double minLr) {
    return new Cosine(epochs, minLr);
  }

  static Schedule cosine(int epochs) {
    return new Cosine(epochs, 0);
  }

  record Step(int every, double gamma) implements Schedule {
    public Step {
      if (every <= 0) {
        throw new IllegalArgumentException("Schedule.step: every must be positive, got " + every);
      }
    }

    public double at(double baseLr, int epoch) {
      return baseLr * Math.pow(gamma, epoch / every);
    }
  }

  record Exponential(double gamma) implements Schedule {
    public double at(double baseLr, int epoch) {
      return baseLr * Math.pow(gamma, epoch);
    }
  }

  record Cosine(int epochs, double minLr) implements Schedule {
    public Cosine {
      if (epochs <= 0) {
        throw new IllegalArgumentException(
            "Schedule.cosine: epochs must be positive, got " + epochs);
      }
    }

    public double at(double baseLr, int epoch) {
      double progress = Math.min(1.0, (double) epoch / epochs);
      return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
