package dev.quiver.agent;

/**
 * A cell of another language ({@link CellLanguage}) did not compile. The message is the compiler's
 * report, as the notebook shows it; the kernel tells this class apart by its name (the cell JVM's
 * exceptions reach it as class name and message), so it must keep it.
 */
public final class CellCompilationError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CellCompilationError(String report) {
    super(report, null, false, false); // the report says where; a stack trace of the host would not
  }
}
