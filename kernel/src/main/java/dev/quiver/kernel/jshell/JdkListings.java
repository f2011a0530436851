package dev.quiver.kernel.jshell;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;

/**
 * What javac listed of the JDK's packages in the kernel's AOT training, kept in {@code
 * build/aot/jdk-listings.txt} for the kernels started after it (see {@link
 * IndexKeepingFileManager#list}).
 *
 * <p>Why: listing a package of the JDK's image ({@code import java.util.*;} makes javac list
 * java.util's 370 files) builds the image reader's node of each file, names and attributes, once
 * per kernel JVM: a quarter of the thread that the first cell waits for, for the default imports'
 * packages (JFR, 2026-12-07). A listing kept here gives javac the same files in the same order,
 * each found in the image only when javac reads it. The file names the JDK it was made with (its
 * home, version, and the size and time of its {@code lib/modules}); for another one, or a package
 * not in it, javac lists as before.
 */
final class JdkListings {

  private static final String SEP = "\t";

  private final Map<String, List<String>> files; // key(location, package, kinds, recurse) -> names

  private JdkListings(Map<String, List<String>> files) {
    this.files = files;
  }

  /** The listings in {@code file}, or none when it is missing, unreadable or of another JDK. */
  static JdkListings load(Path file) {
    var files = new HashMap<String, List<String>>();
    if (file.toString().isEmpty()) {
      return new JdkListings(Map.of());
    }
    try {
      var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.isEmpty() || !lines.getFirst().equals(stamp())) {
        return new JdkListings(Map.of());
      }
      for (var line : lines.subList(1, lines.size())) {
        int tab = line.lastIndexOf(SEP);
        if (tab < 0) {
          return new JdkListings(Map.of());
        }
        var names = line.substring(tab + 1);
        files.put(
            line.substring(0, tab), names.isEmpty() ? List.of() : List.of(names.split(",", -1)));
      }
    } catch (IOException | RuntimeException e) {
      return new JdkListings(Map.of());
    }
    return new JdkListings(Map.copyOf(files));
  }

  /**
   * Writes {@code listed} (javac's listings, by {@link #key}) to {@code file}: each file by its
   * name in its package's folder.
   */
  static void write(Path file, Map<String, List<JavaFileObject>> listed) throws IOException {
    var lines = new ArrayList<String>();
    lines.add(stamp());
    for (var e : new java.util.TreeMap<>(listed).entrySet()) {
      var names = new ArrayList<String>();
      for (var f : e.getValue()) {
        var path = f.toUri().getPath();
        var name = path == null ? null : path.substring(path.lastIndexOf('/') + 1);
        if (name == null || name.isEmpty() || name.contains(",") || name.contains(SEP)) {
          return; // not a listing this file can hold: none kept
        }
        names.add(name);
      }
      lines.add(e.getKey() + SEP + String.join(",", names));
    }
    var partial = file.resolveSibling(file.getFileName() + ".part");
    Files.write(partial, lines, StandardCharsets.UTF_8);
    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The key of one listing: javac's location (by name), the package, the kinds, recursion. */
  static String key(
      JavaFileManager.Location location,
      String packageName,
      Set<JavaFileObject.Kind> kinds,
      boolean recurse) {
    var kindNames =
        new TreeSet<>(kinds.stream().map(Enum::name).collect(Collectors.toSet()))
            .stream().collect(Collectors.joining(","));
    return location.getName() + SEP + packageName + SEP + kindNames + SEP + recurse;
  }

  /**
   * The files of a listing kept, each found through {@code manager} when javac reads it; null when
   * none is kept for it. Only a package's own files (no recursion) are kept.
   */
  List<JavaFileObject> list(
      JavaFileManager manager,
      JavaFileManager.Location location,
      String packageName,
      Set<JavaFileObject.Kind> kinds,
      boolean recurse) {
    if (recurse) {
      return null;
    }
    var names = files.get(key(location, packageName, kinds, recurse));
    if (names == null) {
      return null;
    }
    var out = new ArrayList<JavaFileObject>(names.size());
    for (var name : names) {
      out.add(new ImageFile(manager, location, packageName, name));
    }
    return out;
  }

  boolean isEmpty() {
    return files.isEmpty();
  }

  /** The JDK these listings are for. */
  static String stamp() {
    var home = Path.of(System.getProperty("java.home"));
    var image = home.resolve("lib").resolve("modules");
    try {
      return String.join(
          SEP,
          "quiver jdk listings 1",
          home.toString(),
          Runtime.version().toString(),
          Long.toString(Files.size(image)),
          Long.toString(Files.getLastModifiedTime(image).toMillis()));
    } catch (IOException e) {
      return "quiver jdk listings 1" + SEP + "no image: " + e;
    }
  }

  /**
   * A class file of the JDK's image, found there (as javac's own file object) when javac first
   * needs more than its name and kind.
   */
  static final class ImageFile implements JavaFileObject {
    private final JavaFileManager manager;
    private final JavaFileManager.Location location;
    private final String packageName;
    private final String fileName;
    private final Kind kind;
    private volatile JavaFileObject found;

    private ImageFile(
        JavaFileManager manager,
        JavaFileManager.Location location,
        String packageName,
        String fileName) {
      this.manager = manager;
      this.location = location;
      this.packageName = packageName;
      this.fileName = fileName;
      this.kind = JarListings.kindOf(fileName);
    }

    /** As javac infers it from the file's place: {@code java.util.Map$Entry}. */
    String binaryName() {
      int dot = fileName.lastIndexOf('.');
      var simple = dot < 0 ? fileName : fileName.substring(0, dot);
      return packageName.isEmpty() ? simple : packageName + "." + simple;
    }

    JavaFileObject found() throws IOException {
      var f = found;
      if (f == null) {
        var file =
            kind == Kind.CLASS
                ? manager.getJavaFileForInput(location, binaryName(), Kind.CLASS)
                : manager.getFileForInput(location, packageName, fileName);
        if (!(file instanceof JavaFileObject javaFile)) {
          throw new IOException(
              packageName + "/" + fileName + " is no longer in " + location.getName());
        }
        f = javaFile;
        found = f;
      }
      return f;
    }

    private JavaFileObject foundUnchecked() {
      try {
        return found();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public Kind getKind() {
      return kind;
    }

    @Override
    public boolean isNameCompatible(String simpleName, Kind kind) {
      return kind == this.kind && fileName.equals(simpleName + kind.extension);
    }

    @Override
    public NestingKind getNestingKind() {
      return foundUnchecked().getNestingKind();
    }

    @Override
    public Modifier getAccessLevel() {
      return foundUnchecked().getAccessLevel();
    }

    @Override
    public URI toUri() {
      return foundUnchecked().toUri();
    }

    @Override
    public String getName() {
      return foundUnchecked().getName();
    }

    @Override
    public InputStream openInputStream() throws IOException {
      return found().openInputStream();
    }

    @Override
    public OutputStream openOutputStream() {
      throw new UnsupportedOperationException("the JDK's files are read only: " + fileName);
    }

    @Override
    public Reader openReader(boolean ignoreEncodingErrors) throws IOException {
      return found().openReader(ignoreEncodingErrors);
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) throws IOException {
      return found().getCharContent(ignoreEncodingErrors);
    }

    @Override
    public Writer openWriter() {
      throw new UnsupportedOperationException("the JDK's files are read only: " + fileName);
    }

    @Override
    public long getLastModified() {
      return foundUnchecked().getLastModified();
    }

    @Override
    public boolean delete() {
      return false;
    }

    @Override
    public String toString() {
      return "JdkListings.ImageFile["
          + location.getName()
          + ":"
          + packageName
          + "/"
          + fileName
          + "]";
    }
  }
}
