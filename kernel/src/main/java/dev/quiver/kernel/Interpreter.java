package dev.quiver.kernel;

import dev.quiver.display.MimeBundle;
import java.util.List;

/**
 * What the protocol server needs from a language (xeus-style): it knows nothing of JShell.
 * Calls other than {@link #interrupt()} come from one thread, one at a time.
 */
public interface Interpreter extends AutoCloseable {

    /** Where a running cell sends output; callable from any thread. */
    interface Output {
        void stream(String name, String text);

        void display(MimeBundle bundle, String displayIdOrNull, boolean update);

        void clear(boolean wait);

        /** Asks the user for a line; null when the frontend does not take input or the cell was interrupted. */
        String input(String prompt, boolean password);
    }

    sealed interface Outcome {
        /**
         * @param result the value of the cell's last expression, or null
         * @param page   text for the frontend's pager (help on {@code name?}), or null
         */
        record Ok(MimeBundle result, MimeBundle page, String nextInput) implements Outcome {
            public Ok(MimeBundle result) {
                this(result, null, null);
            }

            public Ok(MimeBundle result, MimeBundle page) {
                this(result, page, null);
            }
        }

        record Error(String ename, String evalue, List<String> traceback) implements Outcome {
        }
    }

    record Completion(List<String> matches, int start, int end) {
    }

    /** @param found false when there is nothing to show; bundle null then */
    record Inspection(boolean found, MimeBundle bundle) {
    }

    /** @param status complete, incomplete, invalid or unknown; indent for incomplete */
    record Completeness(String status, String indent) {
    }

    /**
     * Starts whatever is slow to start (a JVM, a compiler) in the background. The server calls it
     * once its sockets are bound, so the frontend hears from the kernel first.
     */
    default void start() {
    }

    /** Runs a cell; {@code executionCount} names the cell in error messages. */
    Outcome execute(String code, int executionCount, Output out);

    /** Runs a {@code %%kotlin} cell's body; an error outcome when the interpreter has no Kotlin. */
    default Outcome executeKotlin(String code, int executionCount, Output out) {
        return new Outcome.Error("NotSupported", "Kotlin cells are not supported by this kernel",
                List.of("Kotlin cells are not supported by this kernel"));
    }

    /** Completion at a UTF-16 offset. */
    Completion complete(String code, int cursor);

    Inspection inspect(String code, int cursor, int detailLevel);

    Completeness isComplete(String code);

    /** Adds jars or folders to the class path of the code cells run; false when not supported. */
    default boolean addToClasspath(String path) {
        return false;
    }

    /** Stops the running cell, if any, from another thread. */
    void interrupt();

    /** Language facts for kernel_info_reply. */
    String languageVersion();

    @Override
    void close();
}
