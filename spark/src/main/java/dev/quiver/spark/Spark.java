package dev.quiver.spark;

import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Spark sessions for Quiver: the embedded default, Spark in local mode inside this JVM (a notebook
 * cell runs it as is), or a cluster named by its master URL.
 *
 * <pre>{@code
 * var spark = Spark.local();                        // local[*]: a task slot per core
 * var spark = Spark.local(2);                       // local[2]
 * var spark = Spark.cluster("spark://host:7077");   // standalone; k8s://https://... for Kubernetes
 * }</pre>
 *
 * <p>Under {@code spark-submit} the master comes from the command line: use {@link #session()}. The
 * Spark UI is off; the driver binds to 127.0.0.1 in local mode.
 */
public final class Spark {
  private Spark() {}

  /** The embedded session, {@code local[*]}, created on first use and shared after. */
  public static SparkSession local() {
    return builder("local[*]").getOrCreate();
  }

  /** The embedded session with {@code threads} task slots ({@code local[threads]}). */
  public static SparkSession local(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("Spark.local: threads must be >= 1, got " + threads);
    }
    return builder("local[" + threads + "]").getOrCreate();
  }

  /**
   * A session on the cluster at {@code masterUrl} ({@code spark://host:port}, {@code k8s://...}).
   */
  public static SparkSession cluster(String masterUrl) {
    if (masterUrl == null || masterUrl.isBlank() || masterUrl.startsWith("local")) {
      throw new IllegalArgumentException(
          "Spark.cluster: give a cluster's master URL (spark://host:7077, k8s://https://...), got '"
              + masterUrl
              + "'; for this JVM use Spark.local()");
    }
    return builder(masterUrl).getOrCreate();
  }

  /** The session spark-submit configured (its --master), or the active one. */
  public static SparkSession session() {
    return SparkSession.builder().appName("quiver").getOrCreate();
  }

  /**
   * A builder with Quiver's defaults, for more settings: {@code Spark.builder(url).config(k, v)}.
   */
  public static SparkSession.Builder builder(String masterUrl) {
    quietStartupWarnings();
    stopSessionOnAnotherMaster(masterUrl);
    var b =
        SparkSession.builder()
            .master(masterUrl)
            .appName("quiver")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8");
    if (masterUrl.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
    }
    return b;
  }

  /**
   * Two warnings every local session prints through slf4j-simple, which are about the machine and
   * not about the job: the host name resolving to loopback (the driver binds to 127.0.0.1 anyway)
   * and Hadoop's native library being absent (its Java code is used). Left as they are when set.
   */
  private static void quietStartupWarnings() {
    for (String logger :
        new String[] {"org.apache.spark.util.Utils", "org.apache.hadoop.util.NativeCodeLoader"}) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "error");
      }
    }
  }

  /**
   * A JVM holds one Spark context, and {@code getOrCreate} hands back the running one whatever
   * master was asked for: {@code Spark.cluster(url)} after {@code Spark.local()} would silently
   * train in local mode. Asking for another master stops the running session first, and says so.
   */
  private static void stopSessionOnAnotherMaster(String masterUrl) {
    for (var running : List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
      if (running.isDefined()) {
        SparkSession session = running.get();
        String master = session.sparkContext().master();
        if (!session.sparkContext().isStopped() && !master.equals(masterUrl)) {
          System.err.println(
              "Spark: stopping the session on " + master + " to start one on " + masterUrl);
          session.stop();
        }
      }
    }
  }
}
