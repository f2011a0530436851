package dev.quiver.kernel.jshell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;

/**
 * JShell's standard file manager (its class path, the JDK's modules), which keeps its index of
 * packages from one compile to the next.
 *
 * <p>Why: javac sets {@code --multi-release} on the file manager for every compile (JavacTool's
 * {@code getTask}), always to the same value, and javac's file manager drops its index of which
 * packages each jar and module holds on any such option, so each of JShell's compiles (about seven
 * for a cell of two declarations) indexed the whole class path again: 7% of a declaration cell's
 * CPU (JFR, 2026-12-07). Here that option, given again with the value it already has, is taken as
 * given; any other option, a new value, or a new class path ({@code %classpath}, {@code %maven}:
 * JShell's {@code -classpath} option) goes to the file manager, which then drops its index as
 * before.
 *
 * <p>It also leaves the kernel JVM's own class path out of the cells' compiles. JShell's compile
 * class path starts as the kernel JVM's {@code java.class.path} (its {@code TaskFactory}), and
 * every {@code addToClasspath} gives the file manager that, then what was added. The kernel's own
 * jars (ZeroMQ, Maven's resolver, HTTP client, ASM: 34 jars, about 4 800 entries) are not on the
 * cell JVM's class path: a cell that named their classes compiled and then failed with a
 * NoClassDefFoundError, and javac opened and indexed each of them at every kernel's start, on the
 * path to the first cell. So a {@code -classpath} option that starts with the kernel's class path
 * loses that part; what the cells' class path holds of it (the agent, display, Jackson) comes after
 * it, in what {@code addToClasspath} added.
 *
 * <p>And it lists the class path's packages itself when the class path is all jars ({@link
 * JarListings}: javac's listing from the jars' central directories, without javac's zip file
 * systems); {@code -Dquiver.jarListings=false} on the kernel JVM leaves that to javac. And it keeps
 * what it listed of the JDK's own modules: JShell analyzes and compiles in two javac contexts
 * (pooled by their options), and each listed the packages of the default imports (java.util,
 * java.util.concurrent, java.io, ...) again at the start; the JDK's modules do not change while the
 * kernel runs.
 */
final class IndexKeepingFileManager extends ForwardingJavaFileManager<StandardJavaFileManager>
    implements StandardJavaFileManager {

  private static final String MULTI_RELEASE = "--multi-release";

  private static final Set<String> CLASS_PATH = Set.of("-classpath", "-cp", "--class-path");

  private final String hiddenClassPath; // the kernel JVM's own; empty: none hidden
  private static final boolean JAR_LISTINGS =
      Boolean.parseBoolean(System.getProperty("quiver.jarListings", "true"));

  private static final boolean SYSTEM_LISTINGS =
      Boolean.parseBoolean(System.getProperty("quiver.systemListings", "true"));

  private String multiRelease; // the value the file manager has, once set
  // What the JDK's modules hold, by location, package, kinds and recursion.
  private final JdkListings kept; // null: Kept.LISTINGS
  private final Map<String, List<JavaFileObject>> systemListings = new ConcurrentHashMap<>();

  // The JDK's listings kept by the AOT training (JdkListings), read once per kernel JVM, when
  // first asked for.
  private static final class Kept {
    static final JdkListings LISTINGS =
        JdkListings.load(Path.of(System.getProperty("quiver.jdkListings", "")));
  }

  private JarListings listings; // of the current class path, once asked; guarded by this
  private boolean listingsTried; // guarded by this

  /** JShell's file manager, the kernel JVM's class path ({@code java.class.path}) hidden. */
  IndexKeepingFileManager(StandardJavaFileManager fileManager) {
    this(fileManager, System.getProperty("java.class.path", ""));
  }

  /**
   * JShell's file manager; a {@code -classpath} option that starts with {@code hiddenClassPath}
   * followed by more entries keeps only those.
   */
  IndexKeepingFileManager(StandardJavaFileManager fileManager, String hiddenClassPath) {
    this(fileManager, hiddenClassPath, null);
  }

  /**
   * As above, with the JDK's listings kept by a training ({@link JdkListings}); null: those of
   * {@code -Dquiver.jdkListings}, if any.
   */
  IndexKeepingFileManager(
      StandardJavaFileManager fileManager, String hiddenClassPath, JdkListings kept) {
    super(fileManager);
    this.hiddenClassPath = hiddenClassPath;
    this.kept = kept;
  }

  /** A class path option's value without the hidden class path in front, if it is there. */
  String withoutHidden(String classPath) {
    var prefix = hiddenClassPath + File.pathSeparator;
    if (hiddenClassPath.isEmpty()
        || !classPath.startsWith(prefix)
        || classPath.length() == prefix.length()) {
      return classPath;
    }
    return classPath.substring(prefix.length());
  }

  @Override
  public boolean handleOption(String current, Iterator<String> remaining) {
    if (CLASS_PATH.contains(current) && remaining.hasNext()) {
      dropListings();
      return super.handleOption(current, List.of(withoutHidden(remaining.next())).iterator());
    }
    if (!MULTI_RELEASE.equals(current) || !remaining.hasNext()) {
      return super.handleOption(current, remaining);
    }
    var value = remaining.next();
    if (value.equals(multiRelease)) {
      return true; // already so: the index stays
    }
    dropListings();
    boolean handled = super.handleOption(current, List.of(value).iterator());
    multiRelease = handled ? value : null;
    return handled;
  }

  @Override
  public Iterable<JavaFileObject> list(
      Location location, String packageName, Set<JavaFileObject.Kind> kinds, boolean recurse)
      throws IOException {
    if (location == StandardLocation.CLASS_PATH && !recurse) {
      var jars = listings();
      if (jars != null) {
        return jars.list(packageName, kinds);
      }
    }
    if (!SYSTEM_LISTINGS || !location.getName().startsWith("SYSTEM_MODULES[")) {
      return super.list(location, packageName, kinds, recurse);
    }
    // javac's location of one system module (java.base's, ...): one name, one object.
    var key = JdkListings.key(location, packageName, kinds, recurse);
    var known = systemListings.get(key);
    if (known == null && !location.getName().equals("SYSTEM_MODULES[jdk.unsupported]")) {
      known =
          (kept != null ? kept : Kept.LISTINGS)
              .list(fileManager, location, packageName, kinds, recurse);
    }
    if (known == null) {
      var files = new ArrayList<JavaFileObject>();
      super.list(location, packageName, kinds, recurse).forEach(files::add);
      known = List.copyOf(files);
    }
    systemListings.put(key, known);
    return known;
  }

  /**
   * Writes what this file manager listed of the JDK's modules to {@code file} (see {@link
   * JdkListings}), for the kernels started after this one.
   */
  void keepSystemListings(Path file) throws IOException {
    var listed = new java.util.HashMap<String, List<JavaFileObject>>();
    systemListings.forEach(
        (key, files) -> {
          if (!key.startsWith("SYSTEM_MODULES[jdk.unsupported]")) {
            listed.put(key, files);
          }
        });
    JdkListings.write(file, listed);
  }

  @Override
  public String inferBinaryName(Location location, JavaFileObject file) {
    if (file instanceof JarListings.Entry entry) {
      return entry.binaryName();
    }
    if (file instanceof JdkListings.ImageFile image) {
      return image.binaryName();
    }
    return super.inferBinaryName(location, file);
  }

  private static JavaFileObject found(JdkListings.ImageFile image) {
    try {
      return image.found();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public boolean contains(Location location, javax.tools.FileObject file) throws IOException {
    if (file instanceof JdkListings.ImageFile image) {
      return super.contains(location, image.found());
    }
    if (file instanceof JarListings.Entry) {
      return location == StandardLocation.CLASS_PATH;
    }
    return super.contains(location, file);
  }

  @Override
  public void close() throws IOException {
    dropListings();
    super.close();
  }

  private synchronized JarListings listings() {
    if (!listingsTried && JAR_LISTINGS) {
      listingsTried = true;
      var classPath = new ArrayList<Path>();
      var paths = fileManager.getLocationAsPaths(StandardLocation.CLASS_PATH);
      if (paths != null) {
        paths.forEach(classPath::add);
        listings = JarListings.of(classPath, multiRelease);
      }
    }
    return listings;
  }

  // The class path or the release changed: listed again when next asked.
  private synchronized void dropListings() {
    if (listings != null) {
      listings.close();
    }
    listings = null;
    listingsTried = false;
  }

  @Override
  public boolean isSameFile(javax.tools.FileObject a, javax.tools.FileObject b) {
    if (a instanceof JarListings.Entry || b instanceof JarListings.Entry) {
      return a.toUri().equals(b.toUri());
    }
    if (a instanceof JdkListings.ImageFile image) {
      return isSameFile(found(image), b);
    }
    if (b instanceof JdkListings.ImageFile image) {
      return isSameFile(a, found(image));
    }
    return fileManager.isSameFile(a, b);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjectsFromFiles(
      Iterable<? extends File> files) {
    return fileManager.getJavaFileObjectsFromFiles(files);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjectsFromPaths(
      Collection<? extends Path> paths) {
    return fileManager.getJavaFileObjectsFromPaths(paths);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjects(File... files) {
    return fileManager.getJavaFileObjects(files);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjects(Path... paths) {
    return fileManager.getJavaFileObjects(paths);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjectsFromStrings(Iterable<String> names) {
    return fileManager.getJavaFileObjectsFromStrings(names);
  }

  @Override
  public Iterable<? extends JavaFileObject> getJavaFileObjects(String... names) {
    return fileManager.getJavaFileObjects(names);
  }

  @Override
  public void setLocation(Location location, Iterable<? extends File> files) throws IOException {
    dropListings();
    fileManager.setLocation(location, files);
  }

  @Override
  public void setLocationFromPaths(Location location, Collection<? extends Path> paths)
      throws IOException {
    dropListings();
    fileManager.setLocationFromPaths(location, paths);
  }

  @Override
  public void setLocationForModule(
      Location location, String moduleName, Collection<? extends Path> paths) throws IOException {
    fileManager.setLocationForModule(location, moduleName, paths);
  }

  @Override
  public Iterable<? extends File> getLocation(Location location) {
    return fileManager.getLocation(location);
  }

  @Override
  public Iterable<? extends Path> getLocationAsPaths(Location location) {
    return fileManager.getLocationAsPaths(location);
  }

  @Override
  public Path asPath(javax.tools.FileObject file) {
    return fileManager.asPath(file);
  }

  @Override
  public void setPathFactory(PathFactory f) {
    fileManager.setPathFactory(Objects.requireNonNull(f));
  }
}
