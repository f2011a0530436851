package dev.quiver.kernel.jshell;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.tools.JavaFileObject;

/**
 * What each package of a class path made of jars holds, read from the jars' central directories,
 * for JShell's compiles (see {@link IndexKeepingFileManager#list}).
 *
 * <p>Why: javac opens each class-path jar as a zip file system and walks every entry of it to learn
 * its packages, at the first compile of each kernel: about 120 ms of CPU on the thread that the
 * first cell waits for (JFR, 2026-12-07, loaded machine; the 20 jars of the cells' class path, 4
 * 800 entries). {@link JarFile} reads the same central directory into one array, and a jar the
 * kernel JVM has open already (the agent's, Jackson's) is not read again. The listing is javac's
 * own: the same entries in the same order (class path order, then the jar's), only files in
 * directories whose every name is a Java identifier, a multi-release jar seen at the release the
 * compile asks for ({@code --multi-release}), and each entry read from the jar when javac reads the
 * class. Like javac's index, it is made once per class path and not made again if a jar changes on
 * disk.
 */
final class JarListings implements AutoCloseable {

  private final List<JarFile> jars;
  private final Map<String, List<Entry>> packages; // "a/b" -> its files, class path order

  private JarListings(List<JarFile> jars, Map<String, List<Entry>> packages) {
    this.jars = jars;
    this.packages = packages;
  }

  /**
   * The listings of {@code classPath}, or null when it holds anything but jar (or zip) files, or a
   * jar cannot be read: javac lists those itself.
   *
   * @param release the {@code --multi-release} value javac was given, or null for none
   */
  static JarListings of(List<Path> classPath, String release) {
    Runtime.Version version;
    try {
      version = release == null ? null : Runtime.Version.parse(release);
    } catch (IllegalArgumentException e) {
      return null; // "runtime" or another form: javac knows it, this does not
    }
    var jars = new ArrayList<JarFile>();
    var packages = new HashMap<String, List<Entry>>();
    try {
      for (var path : classPath) {
        var name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (!(name.endsWith(".jar") || name.endsWith(".zip")) || !Files.isRegularFile(path)) {
          closeAll(jars);
          return null;
        }
        // javac reads a jar as multi-release only when it is named .jar (ArchiveContainer).
        var jar =
            version != null && name.endsWith(".jar")
                ? new JarFile(path.toFile(), false, ZipFile.OPEN_READ, version)
                : new JarFile(path.toFile(), false, ZipFile.OPEN_READ, JarFile.baseVersion());
        jars.add(jar);
        var entries = jar.isMultiRelease() ? jar.versionedStream() : jar.stream();
        entries.forEach(
            e -> {
              var entryName = e.getName();
              int slash = entryName.lastIndexOf('/');
              if (e.isDirectory() || slash == entryName.length() - 1) {
                return;
              }
              var dir = slash < 0 ? "" : entryName.substring(0, slash);
              if (!validPackage(dir)) {
                return;
              }
              packages.computeIfAbsent(dir, d -> new ArrayList<>()).add(new Entry(path, jar, e));
            });
      }
    } catch (IOException | RuntimeException e) {
      dev.quiver.kernel.Log.info("javac lists the class path itself (" + e + ")");
      closeAll(jars);
      return null;
    }
    return new JarListings(List.copyOf(jars), packages);
  }

  // javac skips a directory whose name is not an identifier (META-INF, versions' folders), and
  // everything under it.
  private static boolean validPackage(String dir) {
    if (dir.isEmpty()) {
      return true;
    }
    for (var part : dir.split("/", -1)) {
      if (!SourceVersion.isIdentifier(part)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The files of a package ({@code a.b}) whose kind is one of {@code kinds}, as javac lists them.
   */
  List<JavaFileObject> list(String packageName, Set<JavaFileObject.Kind> kinds) {
    var files = packages.get(packageName.replace('.', '/'));
    if (files == null) {
      return List.of();
    }
    var out = new ArrayList<JavaFileObject>(files.size());
    for (var f : files) {
      if (kinds.contains(f.getKind())) {
        out.add(f);
      }
    }
    return out;
  }

  @Override
  public void close() {
    closeAll(jars);
  }

  private static void closeAll(List<JarFile> jars) {
    for (var jar : jars) {
      try {
        jar.close();
      } catch (IOException ignored) {
        // closing a jar only read from
      }
    }
  }

  /** A file's kind by its name, as javac tells it. */
  static JavaFileObject.Kind kindOf(String name) {
    for (var kind :
        List.of(JavaFileObject.Kind.CLASS, JavaFileObject.Kind.SOURCE, JavaFileObject.Kind.HTML)) {
      if (name.endsWith(kind.extension)) {
        return kind;
      }
    }
    return JavaFileObject.Kind.OTHER;
  }

  /** A file in a jar of the class path, read when javac reads it. */
  static final class Entry implements JavaFileObject {
    private final Path jarPath;
    private final JarFile jar;
    private final JarEntry entry;
    private final Kind kind;

    private Entry(Path jarPath, JarFile jar, JarEntry entry) {
      this.jarPath = jarPath;
      this.jar = jar;
      this.entry = entry;
      this.kind = kindOf(entry.getName());
    }

    @Override
    public Kind getKind() {
      return kind;
    }

    @Override
    public URI toUri() {
      return URI.create("jar:" + jarPath.toUri() + "!/" + entry.getName()); // as javac's
    }

    @Override
    public NestingKind getNestingKind() {
      return null; // not known without reading it, as for javac's
    }

    @Override
    public Modifier getAccessLevel() {
      return null;
    }

    @Override
    public Reader openReader(boolean ignoreEncodingErrors) throws IOException {
      return new InputStreamReader(openInputStream(), StandardCharsets.UTF_8);
    }

    @Override
    public OutputStream openOutputStream() {
      throw new UnsupportedOperationException(
          "a class-path jar's entry is read only: " + getName());
    }

    @Override
    public Writer openWriter() {
      throw new UnsupportedOperationException(
          "a class-path jar's entry is read only: " + getName());
    }

    @Override
    public boolean delete() {
      return false;
    }

    /** The binary name javac infers for it ({@code a.b.C$D} for {@code a/b/C$D.class}). */
    String binaryName() {
      var name = entry.getName();
      int dot = name.lastIndexOf('.');
      return (dot < 0 ? name : name.substring(0, dot)).replace('/', '.');
    }

    @Override
    public String getName() {
      return jarPath + "(/" + entry.getName() + ")"; // as javac names a jar's entry
    }

    @Override
    public InputStream openInputStream() throws IOException {
      return jar.getInputStream(entry);
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) throws IOException {
      try (var in = openInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    @Override
    public long getLastModified() {
      return entry.getTime();
    }

    @Override
    public boolean isNameCompatible(String simpleName, Kind kind) {
      var name = entry.getName();
      var base = name.substring(name.lastIndexOf('/') + 1);
      return kind == getKind() && base.equals(simpleName + kind.extension);
    }

    @Override
    public String toString() {
      return "JarListings.Entry[" + jarPath + File.pathSeparator + entry.getName() + "]";
    }
  }
}
