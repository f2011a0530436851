package dev.quiver.kernel;

import dev.quiver.kernel.jshell.JShellInterpreter;
import dev.quiver.kernel.magic.MagicInterpreter;
import dev.quiver.kernel.server.History;
import dev.quiver.kernel.server.KernelServer;
import dev.quiver.kernel.server.Log;
import dev.quiver.kernel.wire.ConnectionInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java ... dev.quiver.kernel.KernelMain CONNECTION_FILE}, as the kernelspec runs it.
 *
 * <p>System properties (the kernelspec sets them): {@code quiver.user.classpath}, the class
 * path of the JVM that runs cells (default: this JVM's); {@code quiver.jvm.flags}, that JVM's
 * flags; {@code quiver.startup}, a file of default imports (default: the runtime's);
 * {@code quiver.history}, the history file; {@code quiver.kotlin.classpath}, the Kotlin host and
 * compiler, added to the cell JVM when the first {@code %%kotlin} cell runs; {@code quiver.cell.aot},
 * the cell JVM's AOT cache (see {@link AotTraining}).
 */
public final class KernelMain {

    static final List<String> DEFAULT_FLAGS = List.of("--add-modules=jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    static final List<String> DEFAULT_IMPORTS = List.of("import dev.quiver.runtime.*;",
            "import dev.quiver.runtime.backend.Devices;", "import static dev.quiver.display.Display.*;", "import dev.quiver.display.*;",
            "import dev.quiver.runtime.autograd.Autograd;", "import dev.quiver.runtime.memory.*;");

    private KernelMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java dev.quiver.kernel.KernelMain CONNECTION_FILE");
            System.exit(2);
        }
        var java = new JShellInterpreter(config());
        // The cell JVM's process starts now, on the other core, while this thread reads the
        // connection file and the history and binds the sockets; JShell itself (the default
        // imports' compile, all this JVM's CPU) starts once kernel_info can be answered.
        java.startCellJvmEarly();
        var info = ConnectionInfo.read(Path.of(args[0]));
        var interpreter = new MagicInterpreter(java);
        var historyFile = System.getProperty("quiver.history",
                Path.of(System.getProperty("user.home"), ".local", "share", "quiver", "kernel-history.jsonl").toString());
        installSigint(interpreter);
        exitWithParent(interpreter);
        Log.info("listening on " + info.ip() + " (shell " + info.shellPort() + ")");
        new KernelServer(info, interpreter, new History(Path.of(historyFile))).run();
    }

    static JShellInterpreter.Config config() throws IOException {
        var cp = System.getProperty("quiver.user.classpath", System.getProperty("java.class.path"));
        var flagText = System.getProperty("quiver.jvm.flags");
        var flags = new ArrayList<>(flagText == null || flagText.isBlank() ? DEFAULT_FLAGS : Arrays.asList(flagText.trim().split("\\s+")));
        // Metaspace grows past the JVM's first threshold (about 20 MB) while the agent, JShell's
        // runtime and Quiver load, and each crossing is a full collection: start it higher.
        flags.add("-XX:MetaspaceSize=128m");
        // The cell JVM's ahead-of-time cache (./quiver trains it after each build, and a build
        // removes the old one): its classes loaded and linked already. A missing one is skipped
        // (its message is silenced: it would only go to the kernel's log).
        var cellAot = System.getProperty("quiver.cell.aot");
        if (cellAot != null && !cellAot.isBlank() && Files.isReadable(Path.of(cellAot))) {
            flags.add("-XX:AOTCache=" + cellAot);
            flags.add("-Xlog:aot=off,cds=off");
        }
        var startup = new ArrayList<String>();
        startup.addAll(List.of("import java.util.*;", "import java.util.function.*;", "import java.util.stream.*;",
                "import java.io.*;", "import java.math.*;", "import java.nio.file.*;", "import java.util.concurrent.*;"));
        var startupFile = System.getProperty("quiver.startup");
        if (startupFile != null && Files.isReadable(Path.of(startupFile))) {
            for (var line : Files.readAllLines(Path.of(startupFile))) {
                if (line.strip().startsWith("import ")) {
                    startup.add(line.strip());
                }
            }
            startup.add("import dev.quiver.display.*;");
            startup.add("import dev.quiver.kernel.agent.Shared;");
        } else {
            startup.addAll(DEFAULT_IMPORTS);
            startup.add("import dev.quiver.kernel.agent.Shared;");
        }
        return new JShellInterpreter.Config(cp, flags, startup, System.getProperty("quiver.kotlin.classpath"));
    }

    // A kernel whose frontend died (killed, crashed) would otherwise live on with its cell JVM.
    private static void exitWithParent(Interpreter interpreter) {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            Log.info("the process that started the kernel exited; exiting too");
            interpreter.close();
            Runtime.getRuntime().halt(0);
        }));
    }

    // SIGINT (interrupt_mode "signal" frontends, or Ctrl-C on a terminal) interrupts the cell.
    private static void installSigint(Interpreter interpreter) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> interpreter.interrupt());
        } catch (RuntimeException | LinkageError e) {
            Log.info("SIGINT will not interrupt cells: " + e);
        }
    }
}
