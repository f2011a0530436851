package dev.quiver.kernel.jshell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;

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
 */
final class IndexKeepingFileManager extends ForwardingJavaFileManager<StandardJavaFileManager>
    implements StandardJavaFileManager {

  private static final String MULTI_RELEASE = "--multi-release";

  private String multiRelease; // the value the file manager has, once set

  IndexKeepingFileManager(StandardJavaFileManager fileManager) {
    super(fileManager);
  }

  @Override
  public boolean handleOption(String current, Iterator<String> remaining) {
    if (!MULTI_RELEASE.equals(current) || !remaining.hasNext()) {
      return super.handleOption(current, remaining);
    }
    var value = remaining.next();
    if (value.equals(multiRelease)) {
      return true; // already so: the index stays
    }
    boolean handled = super.handleOption(current, List.of(value).iterator());
    multiRelease = handled ? value : null;
    return handled;
  }

  @Override
  public boolean isSameFile(javax.tools.FileObject a, javax.tools.FileObject b) {
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
    fileManager.setLocation(location, files);
  }

  @Override
  public void setLocationFromPaths(Location location, Collection<? extends Path> paths)
      throws IOException {
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
