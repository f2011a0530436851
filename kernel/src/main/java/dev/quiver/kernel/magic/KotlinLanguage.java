package dev.quiver.kernel.magic;

import dev.quiver.kernel.Interpreter.Completeness;
import dev.quiver.kernel.Interpreter.Completion;
import dev.quiver.kernel.Interpreter.Outcome;
import dev.quiver.kernel.Interpreter.Output;

/**
 * {@code %%kotlin} cells: run by whatever runs cells of the language "kotlin" (the JShell
 * interpreter's bridge to the Kotlin host in the cell JVM, see KernelMain); completion and
 * completeness from the text alone ({@link KotlinText}), so the kernel never loads the Kotlin
 * compiler itself.
 */
public final class KotlinLanguage implements CellLanguageHandler {

  /** Runs a cell body of one language (the magic layer's view of an interpreter's bridge). */
  @FunctionalInterface
  public interface Runner {
    Outcome run(String body, int executionCount, Output out);
  }

  private final Runner runner;

  public KotlinLanguage(Runner runner) {
    this.runner = runner;
  }

  @Override
  public String name() {
    return "kotlin";
  }

  @Override
  public Outcome execute(String body, int executionCount, Output out) {
    return runner.run(body, executionCount, out);
  }

  @Override
  public Completion complete(String cell, int cursor) {
    return KotlinText.complete(cell, cursor);
  }

  @Override
  public Completeness isComplete(String cell) {
    return KotlinText.completeness(cell);
  }
}
