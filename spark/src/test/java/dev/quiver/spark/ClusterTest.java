package dev.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.dsl.Model;
import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.optim.Adam;
import dev.quiver.dsl.train.Callback;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.History;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and two workers, each a JVM of its own
 * started from the Maven jars (this test's class path), each worker starting an executor JVM with
 * one core. Bounded: the whole class gets 7 minutes, after which it fails and its processes are
 * killed; it took 4.4 minutes on a 2-core machine shared with a load average of 14, so about a
 * minute or two on a quiet one.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class ClusterTest {
  static Path home;
  static Process master;
  static final List<Process> workers = new ArrayList<>();
  static SparkSession spark;

  static String classPath() {
    return System.getProperty("java.class.path");
  }

  /** Quiver's and Spark's JVM flags, from the parent pom (Surefire passes them). */
  static List<String> jvmFlags() {
    var flags = new ArrayList<String>();
    for (String p : List.of("quiver.jvm.flags", "quiver.spark.jvm.flags")) {
      String v = System.getProperty(p);
      if (v == null || v.isBlank()) {
        throw new IllegalStateException("system property " + p + " is not set (see spark/pom.xml)");
      }
      flags.addAll(List.of(v.trim().split("\\s+")));
    }
    return flags;
  }

  static int freePort() throws IOException {
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static Process launch(String name, String mainClass, String... args) throws IOException {
    var cmd = new ArrayList<String>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags());
    cmd.add("-Xmx256m");
    // Their INFO lines say when they are up (Quiver's slf4j-simple default is warnings only).
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(home.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13"); // else it looks for a source build
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb.start();
  }

  static void waitForLog(String name, String text, long seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Path log = home.resolve(name + ".log");
    while (!(Files.exists(log) && Files.readString(log).contains(text))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            name
                + " did not log '"
                + text
                + "' within "
                + seconds
                + " s:\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
      }
      Thread.sleep(100);
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    home = Files.createTempDirectory("quiver-spark-cluster");
    // A worker builds its executors' class path from SPARK_HOME/jars (none here: the application
    // gives its own, spark.executor.extraClassPath).
    Files.createDirectories(home.resolve("jars"));
    int port = freePort();
    master =
        launch(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(port),
            "--webui-port",
            String.valueOf(freePort()));
    waitForLog("master", "I have been elected leader", 120);
    String url = "spark://127.0.0.1:" + port;
    for (int i = 0; i < 2; i++) {
      workers.add(
          launch(
              "worker" + i,
              "org.apache.spark.deploy.worker.Worker",
              "--host",
              "127.0.0.1",
              "--cores",
              "1",
              "--memory",
              "1g",
              "--webui-port",
              String.valueOf(freePort()),
              "--work-dir",
              home.resolve("work" + i).toString(),
              url));
    }
    for (int i = 0; i < 2; i++) {
      waitForLog("worker" + i, "Successfully registered with master", 120);
    }
    spark =
        Spark.builder(url)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.executor.extraClassPath", classPath())
            .config("spark.executor.extraJavaOptions", String.join(" ", jvmFlags()))
            .config("spark.executor.memory", "512m")
            .config("spark.executor.cores", "1")
            .config("spark.cores.max", "2")
            .getOrCreate();
    var tracker = spark.sparkContext().statusTracker();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (tracker.getExecutorInfos().length < 3) { // two executors and the driver
      assertTrue(System.nanoTime() < deadline, "two executors did not register within 120 s");
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopCluster() {
    if (spark != null) {
      spark.stop();
    }
    for (Process w : workers) {
      kill(w);
    }
    if (master != null) {
      kill(master);
    }
  }

  static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /**
   * Synchronous training on the cluster gives the single-process weights, though one worker (and
   * its executor) is killed mid-training: Spark re-runs the lost tasks and rebuilds the lost shard
   * on the other executor, from the same broadcast weights.
   */
  @Test
  void trainsOnTwoWorkersAndSurvivesLosingOne() throws Exception {
    int b = 4;
    int epochs = 6;
    List<Row> p0 = LocalModeTest.rows(4 * b, 11); // 4 steps per epoch
    List<Row> p1 = LocalModeTest.rows(4 * b, 12);
    var all = new ArrayList<>(p0);
    all.addAll(p1);
    var rdd = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(all, 2);
    var data =
        SparkData.of(spark.createDataFrame(rdd, LocalModeTest.schema()), "features", "label");

    var removed = new AtomicInteger();
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                removed.incrementAndGet();
              }
            });
    Callback killer =
        new Callback() {
          @Override
          public boolean onEpochEnd(int epoch, Map<String, Double> logs, Model model) {
            if (epoch == 2) {
              kill(workers.get(1)); // its executor dies with it
            }
            return false;
          }
        };
    Fit fit =
        Fit.epochs(epochs)
            .batch(2 * b)
            .optimizer(Adam.lr(0.01))
            .loss(Loss.crossEntropy())
            .noShuffle()
            .quiet();
    Model single = LocalModeTest.model();
    // The single-process batches: per epoch, step k takes p0's k-th 4 rows then p1's.
    single.fit(
        Dataset.of(
            LocalModeTest.x(LocalModeTest.interleave(p0, p1, b)),
            LocalModeTest.y(LocalModeTest.interleave(p0, p1, b))),
        fit);
    Model distributed = LocalModeTest.model();
    History h = DataParallel.sync(spark).fit(distributed, data, fit.callbacks(killer));

    assertEquals(epochs * 4, h.steps());
    assertEquals(1, removed.get(), "the killed worker's executor was not reported lost");
    assertEquals(
        2,
        spark.sparkContext().statusTracker().getExecutorInfos().length,
        "one executor and the driver should remain");
    LocalModeTest.assertSameWeights(single, distributed, 1e-5);
  }
}
