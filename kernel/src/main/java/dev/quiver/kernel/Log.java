package dev.quiver.kernel;

import java.time.LocalTime;

/** The kernel's log: stderr, which Jupyter shows in its own log. Never given secrets. */
public final class Log {
  private Log() {}

  /**
   * Ends the process now: System.exit, so a class-data-sharing archive the JVM was asked to write
   * (-XX:+AutoCreateSharedArchive, for a quicker next start) gets written, with a watchdog that
   * halts if exit hangs (a shutdown hook of user code, a stuck dump).
   */
  public static void exitNow(int status, long graceMillis) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                Thread.sleep(graceMillis);
              } catch (InterruptedException ignored) {
                // halt anyway
              }
              Runtime.getRuntime().halt(status);
            });
    System.exit(status);
  }

  public static void info(String message) {
    System.err.println("[quiver kernel " + LocalTime.now() + "] " + message);
  }
}
