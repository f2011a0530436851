package dev.quiver.kernel.server;

import java.time.LocalTime;

/** The kernel's log: stderr, which Jupyter shows in its own log. Never given secrets. */
public final class Log {
    private Log() {
    }

    public static void info(String message) {
        System.err.println("[quiver kernel " + LocalTime.now() + "] " + message);
    }
}
