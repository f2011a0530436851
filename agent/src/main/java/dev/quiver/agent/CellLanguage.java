package dev.quiver.agent;

import java.util.List;

/**
 * A language whose cells run in the cell JVM beside Java's: the seam between the kernel, which
 * knows a language only by its name ({@code %%kotlin} asks for "kotlin"), and the language's host
 * (quiver-kotlin's, for one). The kernel adds the host's jars to the cell JVM when the first such
 * cell runs; {@link CellLanguages} then finds the host with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.quiver.agent.CellLanguage} file in its jar names the class, which
 * needs a public no-argument constructor).
 *
 * <p>The host is called from a JShell snippet, so its cells share the Java cells' thread, output
 * streams, display sink, stdin and interrupt. Values cross between the languages through {@link
 * Shared}: the Java variables come in with each cell ({@link Cell#variables}); what the host wants
 * Java to see it publishes with {@link Shared#publish}, and the kernel declares it as Java
 * variables after the cell.
 */
public interface CellLanguage {

  /** The name after {@code %%}, lower case: "kotlin". */
  String name();

  /**
   * Runs one cell.
   *
   * @return the value the cell shows, or {@link CellLanguages#NO_VALUE} when it shows none
   * @throws CellCompilationError when the cell does not compile (its message is the report);
   *     anything else the cell threw, for the kernel to show as a runtime error
   */
  Object eval(Cell cell) throws Throwable;

  /**
   * @param code the cell's text without its {@code %%name} line, with a blank line in its place, so
   *     line numbers are the notebook's
   * @param number the execution count, to name the cell in messages ("cell [3]")
   * @param imports the notebook's default imports of Quiver's packages, as Java writes them after
   *     {@code import} ("dev.quiver.runtime.*", "dev.quiver.display.Display.*")
   * @param variables the notebook's Java variables, as JShell declares them
   */
  record Cell(String code, int number, List<String> imports, List<Variable> variables) {}

  /**
   * @param javaType the variable's type as JShell writes it ("List&lt;Integer&gt;", "double[]",
   *     "Tensor")
   */
  record Variable(String name, String javaType, Object value) {}
}
