package dev.quiver.kernel.magic;

import dev.quiver.agent.TimeIt;
import dev.quiver.display.MimeBundle;
import dev.quiver.kernel.Interpreter;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * IPython-style magics in front of any {@link Interpreter}: a cell that starts with {@code %%name}
 * is handled whole; lines that start with {@code %name} at the top of a cell are handled one by
 * one, and the rest of the cell goes to the interpreter.
 *
 * <p>Cell languages ({@code %%kotlin}) are not built in: a {@link CellLanguageHandler} registered
 * with {@link #register} gets the cells that start with its magic, for execution, completion,
 * inspection and completeness alike.
 *
 * <p>To add a magic: a line magic is a case in {@link #execute}'s line switch and a name in {@link
 * #LINE_MAGICS}; a cell magic that shows or times its body, the same in the cell switch and {@link
 * #BUILT_IN_CELL_MAGICS}; a cell language, a {@link CellLanguageHandler} registered by {@code
 * KernelMain}.
 */
public final class MagicInterpreter implements Interpreter {

  static final List<String> BUILT_IN_CELL_MAGICS = List.of("html", "markdown", "latex", "time");
  static final List<String> LINE_MAGICS =
      List.of("time", "timeit", "load", "classpath", "maven", "spark", "lsmagic");

  /** What {@code %spark} imports into the cells once it has loaded the jars. */
  static final String SPARK_IMPORTS =
      "import dev.quiver.spark.*; import org.apache.spark.sql.SparkSession;"
          + " import org.apache.spark.sql.Row; import org.apache.spark.sql.RowFactory;"
          + " import org.apache.spark.sql.types.DataTypes; import org.apache.spark.sql.types.StructType;";

  private final Interpreter java;
  private final Map<String, CellLanguageHandler> languages = new LinkedHashMap<>();
  private String sparkClassPath;
  private boolean sparkLoaded;

  public MagicInterpreter(Interpreter java) {
    this.java = java;
  }

  /**
   * The class path {@code %spark} adds to the cell JVM (Quiver's Spark module and Apache Spark), or
   * null when Spark is not built; returns this.
   */
  public MagicInterpreter sparkClassPath(String classPath) {
    this.sparkClassPath = classPath;
    return this;
  }

  /**
   * Sends the cells that start with {@code %%}{@link CellLanguageHandler#name()} to {@code
   * language}.
   */
  public MagicInterpreter register(CellLanguageHandler language) {
    if (BUILT_IN_CELL_MAGICS.contains(language.name()) || languages.containsKey(language.name())) {
      throw new IllegalArgumentException(
          "%%"
              + language.name()
              + " is a cell magic already; known: %%"
              + String.join(" %%", cellMagics()));
    }
    languages.put(language.name(), language);
    return this;
  }

  /** Every cell magic: the built-in ones, then the registered languages. */
  List<String> cellMagics() {
    var all = new ArrayList<>(BUILT_IN_CELL_MAGICS);
    all.addAll(languages.keySet());
    return all;
  }

  @Override
  public Outcome execute(String code, int executionCount, Output out) {
    var stripped = code.stripLeading();
    if (stripped.startsWith("%%")) {
      int nl = stripped.indexOf('\n');
      var header = (nl < 0 ? stripped : stripped.substring(0, nl)).substring(2).strip();
      var body = nl < 0 ? "" : stripped.substring(nl + 1);
      var name = header.split("\\s+", 2)[0];
      var language = languages.get(name);
      if (language != null) {
        // Blank lines for the magic's line (and any before it): the language's line numbers are the
        // cell's.
        return language.execute(
            "\n"
                    .repeat(
                        1
                            + (int)
                                code.substring(0, code.length() - stripped.length())
                                    .chars()
                                    .filter(ch -> ch == '\n')
                                    .count())
                + body,
            executionCount,
            out);
      }
      return switch (name) {
        case "html" -> show(out, MimeBundle.of(body, MimeBundle.TEXT_HTML, body));
        case "markdown" -> show(out, MimeBundle.of(body, MimeBundle.TEXT_MARKDOWN, body));
        case "latex" -> show(out, MimeBundle.of(body, MimeBundle.TEXT_LATEX, body));
        case "time" -> timed(body, executionCount, out);
        default -> unknown("%%" + name, cellMagics(), "%%");
      };
    }
    var lines = code.lines().toList();
    int i = 0;
    while (i < lines.size()
        && (lines.get(i).isBlank() || lines.get(i).stripLeading().startsWith("%"))) {
      var line = lines.get(i).strip();
      i++;
      if (line.isEmpty()) {
        continue;
      }
      var parts = line.substring(1).split("\\s+", 2);
      var arg = parts.length > 1 ? parts[1].strip() : "";
      Outcome outcome =
          switch (parts[0]) {
            case "time" -> timed(arg, executionCount, out);
            case "timeit" -> timeit(arg, executionCount, out);
            case "load" -> load(arg);
            case "classpath" -> classpath(arg, out);
            case "maven" -> maven(arg, out);
            case "spark" -> spark(executionCount, out);
            case "lsmagic" ->
                new Outcome.Ok(
                    MimeBundle.text(
                        "Cell magics: %%"
                            + String.join(" %%", cellMagics())
                            + "\nLine magics: %"
                            + String.join(" %", LINE_MAGICS)));
            default -> unknown("%" + parts[0], LINE_MAGICS, "%");
          };
      var rest = String.join("\n", lines.subList(i, lines.size()));
      if (!(outcome instanceof Outcome.Ok) || rest.isBlank()) {
        return outcome;
      }
    }
    return java.execute(String.join("\n", lines.subList(i, lines.size())), executionCount, out);
  }

  private static Outcome show(Output out, MimeBundle bundle) {
    out.display(bundle, null, false);
    return new Outcome.Ok(null);
  }

  private Outcome timed(String code, int executionCount, Output out) {
    long t0 = System.nanoTime();
    var outcome = java.execute(code, executionCount, out);
    double ms = (System.nanoTime() - t0) / 1e6;
    out.stream("stdout", String.format(Locale.ROOT, "Wall time: %.1f ms%n", ms));
    return outcome;
  }

  private static final String TIME_IT = TimeIt.class.getName();

  // The code runs in a loop inside the cell JVM: as an expression if it is one, else as statements.
  private Outcome timeit(String code, int executionCount, Output out) {
    if (code.isBlank()) {
      return error(
          "UsageError", "%timeit needs code on the same line, e.g. %timeit Math.sqrt(2.0)");
    }
    var body = code.strip();
    if (body.endsWith(";")) {
      body = body.substring(0, body.length() - 1);
    }
    var asExpression =
        java.execute(TIME_IT + ".measure(() -> (Object) (" + body + "));", executionCount, out);
    if (!(asExpression instanceof Outcome.Error e) || !e.ename().equals("CompilationError")) {
      return asExpression;
    }
    return java.execute(
        TIME_IT + ".measure(() -> { " + body + "; return null; });", executionCount, out);
  }

  private static Outcome load(String file) {
    if (file.isBlank()) {
      return error("UsageError", "%load needs a file name, e.g. %load snippets/model.jsh");
    }
    try {
      return new Outcome.Ok(
          null, null, "// %load " + file + "\n" + Files.readString(Path.of(file)));
    } catch (IOException e) {
      return error(
          "FileNotFound",
          "%load: cannot read " + Path.of(file).toAbsolutePath() + ": " + e.getMessage());
    }
  }

  private Outcome classpath(String arg, Output out) {
    if (arg.isBlank()) {
      return error(
          "UsageError", "%classpath needs a jar, a folder, or dir/* for every jar in a folder");
    }
    var added = new ArrayList<String>();
    for (var entry : arg.split("[:;\\s]+")) {
      if (entry.endsWith("/*") || entry.equals("*")) {
        var dir = Path.of(entry.substring(0, entry.length() - 1));
        try (var jars = Files.list(dir)) {
          jars.filter(p -> p.toString().endsWith(".jar"))
              .sorted()
              .forEach(p -> added.add(p.toAbsolutePath().toString()));
        } catch (IOException e) {
          return error("FileNotFound", "%classpath: cannot list " + dir.toAbsolutePath());
        }
      } else {
        var p = Path.of(entry).toAbsolutePath();
        if (!Files.exists(p)) {
          return error("FileNotFound", "%classpath: " + p + " does not exist");
        }
        added.add(p.toString());
      }
    }
    for (var p : added) {
      if (!java.addToClasspath(p)) {
        return error("NotSupported", "this interpreter cannot change its class path");
      }
    }
    out.stream("stdout", "added to the class path: " + String.join(", ", added) + "\n");
    return new Outcome.Ok(null);
  }

  /**
   * {@code %spark}: Quiver's Spark module and Apache Spark join the cell JVM (about 200 jars, so
   * only on this first use, not at every kernel start), and the cells import {@code
   * dev.quiver.spark.*} and the Spark types they use most. Again: nothing to do.
   */
  private Outcome spark(int executionCount, Output out) {
    if (sparkLoaded) {
      return new Outcome.Ok(null);
    }
    if (sparkClassPath == null || sparkClassPath.isBlank()) {
      return error(
          "NotAvailable",
          "%spark: Quiver's Spark module is not built with this kernel (quiver.spark.classpath is"
              + " not set); run ./quiver build, then ./quiver kernel install");
    }
    if (!java.addToClasspath(sparkClassPath)) {
      return error("NotSupported", "this interpreter cannot change its class path");
    }
    var imported = java.execute(SPARK_IMPORTS, executionCount, out);
    if (!(imported instanceof Outcome.Ok)) {
      return imported;
    }
    sparkLoaded = true;
    int jars = sparkClassPath.split(File.pathSeparator).length;
    out.stream(
        "stdout",
        "Spark loaded ("
            + jars
            + " class path entries); imported dev.quiver.spark.*, SparkSession, Row, RowFactory,"
            + " DataTypes, StructType\n");
    return new Outcome.Ok(null);
  }

  private final MavenDependencies maven = new MavenDependencies();

  private Outcome maven(String arg, Output out) {
    if (arg.isBlank()) {
      return error(
          "UsageError",
          "%maven needs coordinates, e.g. %maven org.apache.commons:commons-math3:3.6.1");
    }
    for (var coordinates : arg.split("\\s+")) {
      MavenDependencies.Resolved resolved;
      try {
        resolved = maven.resolve(coordinates);
      } catch (IllegalArgumentException e) {
        return error(
            "UsageError",
            "%maven " + coordinates + ": " + e.getMessage() + " (expected GROUP:ARTIFACT:VERSION)");
      } catch (Exception e) {
        Throwable root = e;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        var why =
            root instanceof java.net.UnknownHostException
                    || root instanceof java.net.ConnectException
                    || root instanceof java.net.http.HttpConnectTimeoutException
                ? "cannot reach Maven Central (" + root + "); is there a network?"
                : e.getMessage();
        return error("DependencyResolution", "%maven " + coordinates + ": " + why);
      }
      for (var jar : resolved.jars()) {
        java.addToClasspath(jar.toString());
      }
      var names = resolved.jars().stream().map(p -> p.getFileName().toString()).toList();
      out.stream(
          "stdout",
          "%maven "
              + coordinates
              + ": added "
              + names.size()
              + " jar"
              + (names.size() == 1 ? "" : "s")
              + ": "
              + String.join(", ", names)
              + "\n");
      for (var c : resolved.conflicts()) {
        out.stream("stderr", "version conflict: " + c + "\n");
      }
    }
    return new Outcome.Ok(null);
  }

  private static Outcome unknown(String name, List<String> known, String prefix) {
    return error(
        "UnknownMagic",
        name
            + " is not a magic here; known: "
            + prefix
            + String.join(" " + prefix, known)
            + " (see %lsmagic)");
  }

  private static Outcome error(String ename, String message) {
    return new Outcome.Error(
        ename, message, List.of("\u001b[31m" + ename + "\u001b[0m: " + message));
  }

  // The registered language whose magic starts the cell, or null.
  private CellLanguageHandler languageOf(String code) {
    var s = code.stripLeading();
    if (!s.startsWith("%%")) {
      return null;
    }
    int end = 2;
    while (end < s.length() && !Character.isWhitespace(s.charAt(end))) {
      end++;
    }
    return languages.get(s.substring(2, end));
  }

  @Override
  public Completion complete(String code, int cursor) {
    var language = languageOf(code);
    return language != null ? language.complete(code, cursor) : java.complete(code, cursor);
  }

  @Override
  public Inspection inspect(String code, int cursor, int detailLevel) {
    var language = languageOf(code);
    return language != null
        ? language.inspect(code, cursor, detailLevel)
        : java.inspect(code, cursor, detailLevel);
  }

  @Override
  public Completeness isComplete(String code) {
    var language = languageOf(code);
    return language != null ? language.isComplete(code) : java.isComplete(code);
  }

  @Override
  public boolean addToClasspath(String path) {
    return java.addToClasspath(path);
  }

  @Override
  public void start() {
    java.start();
  }

  @Override
  public void connect(Comms comms) {
    java.connect(comms);
  }

  @Override
  public boolean commMessage(
      String commId,
      com.fasterxml.jackson.databind.JsonNode data,
      String msgId,
      boolean closed,
      boolean itsCellRuns) {
    return java.commMessage(commId, data, msgId, closed, itsCellRuns);
  }

  @Override
  public void interrupt() {
    java.interrupt();
  }

  /** The interpreter's: the magics add no language of their own to kernel_info. */
  @Override
  public KernelInfo kernelInfo() {
    return java.kernelInfo();
  }

  @Override
  public void close() {
    java.close();
  }
}
