package dev.quiver.kernel.magic;

import dev.quiver.kernel.Interpreter.Completeness;
import dev.quiver.kernel.Interpreter.Completion;
import dev.quiver.kernel.Interpreter.Inspection;
import dev.quiver.kernel.Interpreter.Outcome;
import dev.quiver.kernel.Interpreter.Output;
import java.util.List;

/**
 * A language a whole cell may be written in, after {@code %%name} ({@code %%kotlin}): registered
 * with {@link MagicInterpreter#register}, which sends it the cells that start with its magic.
 * Completion, inspection and completeness get the whole cell, its {@code %%name} line included, so
 * positions are the frontend's.
 */
public interface CellLanguageHandler {

  /** The magic's name, without {@code %%}. */
  String name();

  /**
   * Runs a cell's body: its text after the {@code %%name} line, with blank lines in place of that
   * line and any before it, so line numbers are the notebook's.
   */
  Outcome execute(String body, int executionCount, Output out);

  default Completion complete(String cell, int cursor) {
    return new Completion(List.of(), cursor, cursor);
  }

  default Inspection inspect(String cell, int cursor, int detailLevel) {
    return new Inspection(false, null);
  }

  default Completeness isComplete(String cell) {
    return new Completeness("complete", "");
  }
}
