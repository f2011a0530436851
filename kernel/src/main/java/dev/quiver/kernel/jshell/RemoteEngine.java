package dev.quiver.kernel.jshell;

import dev.quiver.kernel.agent.Agent;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import jdk.jshell.execution.JdiInitiator;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Starts the JVM that runs cells, the way the {@code jshell} tool does (JDI launch, one socket
 * carrying commands and the out/err/in streams), with {@link Agent} as the remote end and one
 * more stream, {@code display}.
 */
final class RemoteEngine implements ExecutionControlProvider {

    private static final int TIMEOUT_MS = 30_000;

    private final OutputStream display;
    private final Consumer<RemoteControl> created;
    private final Consumer<String> died;
    private volatile CompletableFuture<ExecutionControl> launched;

    RemoteEngine(OutputStream display, Consumer<RemoteControl> created, Consumer<String> died) {
        this.display = display;
        this.created = created;
        this.died = died;
    }

    @Override
    public String name() {
        return "quiver";
    }

    /**
     * Returns at once: the cell JVM starts on a thread of its own while JShell compiles the
     * default imports (see {@link StartingControl}).
     */
    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        var started = new CompletableFuture<ExecutionControl>();
        launched = started;
        Thread.ofPlatform().daemon().name("quiver-cell-jvm-launch").start(() -> {
            try {
                long t0 = System.nanoTime();
                var control = launch(env);
                dev.quiver.kernel.server.Log.info("cell JVM launched and connected in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                started.complete(control);
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        });
        return new StartingControl(started);
    }

    /** Waits until the cell JVM is up; throws, with the reason, when it could not start. */
    void awaitLaunch() {
        try {
            launched.join();
        } catch (java.util.concurrent.CompletionException e) {
            var cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("launching the cell JVM failed: " + cause, cause);
        }
    }

    private ExecutionControl launch(ExecutionEnv env) throws Throwable {
        try (var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(TIMEOUT_MS);
            var options = new ArrayList<>(List.of("-Dstdout.encoding=UTF-8", "-Dstderr.encoding=UTF-8", "-Dstdin.encoding=UTF-8"));
            options.addAll(env.extraRemoteVMOptions());
            var jdi = new JdiInitiator(listener.getLocalPort(), options, Agent.class.getName(), true, null, TIMEOUT_MS, Map.of());
            var vm = jdi.vm();
            var process = jdi.process();
            drain(process.getInputStream(), "cell JVM stdout");
            drain(process.getErrorStream(), "cell JVM stderr");
            Util.detectJdiExitEvent(vm, why -> {
                env.closeDown();
                died.accept(why);
            });
            var socket = listener.accept();
            // Commands and results are small writes answered at once: without this, Nagle's
            // algorithm and delayed ACKs add tens of milliseconds to every round trip.
            socket.setTcpNoDelay(true);
            OutputStream toAgent = socket.getOutputStream();   // before the input: the object streams' headers
            Map<String, OutputStream> outputs = new HashMap<>();
            outputs.put("out", env.userOut());
            outputs.put("err", env.userErr());
            outputs.put("display", display);
            Map<String, InputStream> inputs = new HashMap<>();
            inputs.put("in", env.userIn());
            return Util.remoteInputOutput(socket.getInputStream(), toAgent, outputs, inputs, (in, out) -> {
                var control = new RemoteControl(out, in, vm, process);
                created.accept(control);
                return control;
            });
        }
    }

    // What the cell JVM writes to its real stdout/stderr (the JVM itself, before System.setOut,
    // or native code) goes to the kernel's log; a full pipe would otherwise block it.
    private static void drain(InputStream stream, String name) {
        Thread.ofPlatform().daemon().name("quiver-drain-" + name).start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.startsWith("WARNING: Using incubator modules")) {
                        System.err.println("[" + name + "] " + line);
                    }
                }
            } catch (Exception ignored) {
                // the JVM is gone
            }
        });
    }
}
