package dev.quiver.kernel;

import dev.quiver.kernel.config.QuiverConfig;
import dev.quiver.kernel.handlers.History;
import dev.quiver.kernel.handlers.KernelCore;
import dev.quiver.kernel.handlers.OutputLimit;
import dev.quiver.kernel.install.KernelInstall;
import dev.quiver.kernel.jshell.JShellInterpreter;
import dev.quiver.kernel.magic.KotlinLanguage;
import dev.quiver.kernel.magic.MagicInterpreter;
import dev.quiver.kernel.server.KernelServer;
import dev.quiver.kernel.wire.ConnectionInfo;
import dev.quiver.kernel.wire.WireCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * {@code java ... dev.quiver.kernel.KernelMain CONNECTION_FILE}, as the kernelspec runs it, and
 * {@code java ... dev.quiver.kernel.KernelMain install [--user | --sys-prefix | --prefix DIR]},
 * which writes that kernelspec (see {@link KernelInstall}).
 *
 * <p>The cell JVM's flags and default imports come from {@link QuiverConfig} (the parent pom).
 * System properties (the kernelspec sets them): {@code quiver.user.classpath}, the class path of
 * the JVM that runs cells (default: this JVM's); {@code quiver.history}, the history file; {@code
 * quiver.kotlin.classpath}, the Kotlin host and compiler, added to the cell JVM when the first
 * {@code %%kotlin} cell runs; {@code quiver.cell.aot}, the cell JVM's AOT cache (see {@link
 * AotTraining}); {@code quiver.jvm.flags} replaces the configured cell JVM flags (the AOT training
 * adds its recording flags that way).
 */
public final class KernelMain {

  private KernelMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length >= 1 && args[0].equals("install")) {
      System.exit(KernelInstall.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length != 1) {
      System.err.println(
          "usage: java dev.quiver.kernel.KernelMain CONNECTION_FILE\n"
              + "       java dev.quiver.kernel.KernelMain install [--user | --sys-prefix | --prefix DIR]");
      System.exit(2);
    }
    var config = config();
    // The five ports first: the cell JVM and its JDI connection take ephemeral ports, the range
    // the frontend chose the connection file's ports from (KernelServer.bind).
    var info = ConnectionInfo.read(Path.of(args[0]));
    var server = new KernelServer(info);
    server.bind();
    var java = new JShellInterpreter(config);
    // The cell JVM's process starts now, on the other core, while this thread reads the history
    // and answers kernel_info; JShell itself (the default imports' compile, all this JVM's CPU)
    // starts once kernel_info can be answered.
    java.startCellJvmEarly();
    // Jackson's first ObjectMapper, the HMAC's provider, the random source: made on another thread
    // while this one goes on to kernel_info, and not before the cell JVM's start, which they would
    // delay (on a busy machine a second runnable thread slows this one; and the connection file's
    // parser shares classes with the ObjectMapper, initialized once, by one thread, the other
    // waiting).
    Thread.ofPlatform().daemon().name("quiver-wire-warm-up").start(WireCodec::warmUp);
    // JShell too (the default imports' compile, the critical path of the first cell) starts now,
    // on a thread of its own, while this one reads the history and starts serving. Off with
    // QUIVER_JSHELL_EARLY=0 in the kernel's environment (or -Dquiver.jshell.early=false): JShell
    // then starts once kernel_info can be answered. Measured quiet (2026-12-07, 18:21-18:56 UTC,
    // docs/benchmarks.md), now that the path to ready is short (ports first, the wire's set-up on
    // another thread): ready 322 and 344 ms against 301 and 428 without it, the first `1 + 1` 472
    // and 500 ms against 509 and 645, launch to the Iris result 1974 ms against 2095. Earlier, with
    // a longer path to ready, it cost more than it gave.
    if (!"false".equals(System.getProperty("quiver.jshell.early"))
        && !"0".equals(System.getenv("QUIVER_JSHELL_EARLY"))) {
      java.start();
    }
    // %%kotlin: the Kotlin host (quiver-kotlin) runs the cells in the cell JVM, found there by
    // name.
    var interpreter =
        new MagicInterpreter(java)
            .sparkClassPath(System.getProperty("quiver.spark.classpath"))
            .register(
                new KotlinLanguage(java.bridgeTo("kotlin", config.kotlinClassPath())::execute));
    var historyFile =
        System.getProperty(
            "quiver.history",
            Path.of(
                    System.getProperty("user.home"),
                    ".local",
                    "share",
                    "quiver",
                    "kernel-history.jsonl")
                .toString());
    exitWithParent(interpreter);
    Log.info("listening on " + info.ip() + " (shell " + info.shellPort() + ")");
    var core = new KernelCore(interpreter, new History(Path.of(historyFile)), server);
    installSigint(core);
    server.run(core);
  }

  static JShellInterpreter.Config config() {
    var config = QuiverConfig.load();
    var cp = System.getProperty("quiver.user.classpath", System.getProperty("java.class.path"));
    var flagLine = System.getProperty("quiver.jvm.flags");
    var flags =
        new ArrayList<>(
            flagLine == null || flagLine.isBlank()
                ? config.jvmFlags()
                : QuiverConfig.flags(flagLine));
    flags.addAll(config.cellJvmFlags());
    // The cell JVM counts printed text past the output limit instead of sending it.
    flags.add("-D" + OutputLimit.PROPERTY + "=" + OutputLimit.bytes());
    // The cell JVM's ahead-of-time cache (KernelInstall trains it, and a build removes the old
    // one): its classes loaded and linked already. A missing one is skipped (its message is
    // silenced: it would only go to the kernel's log).
    var cellAot = System.getProperty("quiver.cell.aot");
    if (cellAot != null && !cellAot.isBlank() && Files.isReadable(Path.of(cellAot))) {
      flags.add("-XX:AOTCache=" + cellAot);
      flags.add("-Xlog:aot=off,cds=off");
    }
    return new JShellInterpreter.Config(
        cp, flags, config.cellImports(), System.getProperty("quiver.kotlin.classpath"));
  }

  // A kernel whose frontend died (killed, crashed) would otherwise live on with its cell JVM.
  private static void exitWithParent(Interpreter interpreter) {
    ProcessHandle.current()
        .parent()
        .ifPresent(
            parent ->
                parent
                    .onExit()
                    .thenRun(
                        () -> {
                          Log.info("the process that started the kernel exited; exiting too");
                          interpreter.close();
                          Runtime.getRuntime().halt(0);
                        }));
  }

  // SIGINT (interrupt_mode "signal" frontends, or Ctrl-C on a terminal) interrupts the cell.
  private static void installSigint(KernelCore core) {
    try {
      var previous = sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> core.interrupt());
      if (previous == sun.misc.SignalHandler.SIG_IGN) {
        // Started with SIGINT ignored (from a background shell): the JVM keeps it ignored.
        Log.info("SIGINT was ignored when the kernel started, so it will not interrupt cells");
      }
    } catch (RuntimeException | LinkageError e) {
      Log.info("SIGINT will not interrupt cells: " + e);
    }
  }
}
