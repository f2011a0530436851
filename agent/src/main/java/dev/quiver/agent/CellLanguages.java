package dev.quiver.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the kernel calls, from a JShell snippet in the cell JVM, to run a cell of another language:
 * {@code dev.quiver.agent.CellLanguages.eval("kotlin", code, ...)}. It finds the language's host
 * ({@link CellLanguage}) by name and hands it the cell.
 */
public final class CellLanguages {

  /**
   * What {@link #eval} returns for a cell that shows no value; the kernel knows it by its value
   * string, {@value #NO_VALUE_STRING}.
   */
  public static final Object NO_VALUE =
      new Object() {
        @Override
        public String toString() {
          return NO_VALUE_STRING;
        }
      };

  public static final String NO_VALUE_STRING = "<quiver:no-value>";

  private static final Map<String, CellLanguage> FOUND = new ConcurrentHashMap<>();

  private CellLanguages() {}

  /**
   * Runs one cell of {@code language} (see {@link CellLanguage.Cell} for the arguments; the
   * variables come as three arrays of one length, which a generated snippet writes easily).
   */
  public static Object eval(
      String language,
      String code,
      int cell,
      String[] imports,
      String[] names,
      String[] types,
      Object[] values)
      throws Throwable {
    if (names.length != types.length || names.length != values.length) {
      throw new IllegalArgumentException(
          "CellLanguages.eval: "
              + names.length
              + " names, "
              + types.length
              + " types and "
              + values.length
              + " values; they must match");
    }
    var variables = new ArrayList<CellLanguage.Variable>(names.length);
    for (int i = 0; i < names.length; i++) {
      variables.add(new CellLanguage.Variable(names[i], types[i], values[i]));
    }
    return find(language)
        .eval(new CellLanguage.Cell(code, cell, List.of(imports), List.copyOf(variables)));
  }

  /**
   * The host of {@code language}, looked up through the context class loader: the loader of the
   * cell's own classes, which sees the jars the kernel added to the cell JVM since it started.
   */
  static CellLanguage find(String language) {
    var known = FOUND.get(language);
    if (known != null) {
      return known;
    }
    var loader = Thread.currentThread().getContextClassLoader();
    var seen = new ArrayList<String>();
    for (var host : ServiceLoader.load(CellLanguage.class, loader)) {
      seen.add(host.name());
      if (host.name().equals(language)) {
        FOUND.put(language, host);
        return host;
      }
    }
    throw new IllegalStateException(
        "no host for "
            + language
            + " cells on the cell JVM's class path (hosts found: "
            + (seen.isEmpty() ? "none" : String.join(", ", seen))
            + ")");
  }
}
