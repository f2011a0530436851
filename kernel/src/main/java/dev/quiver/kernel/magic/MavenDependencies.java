package dev.quiver.kernel.magic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.repository.internal.MavenRepositorySystemUtils;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.graph.DependencyNode;
import org.eclipse.aether.repository.LocalRepository;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.util.graph.transformer.ConflictResolver;

/**
 * {@code %maven GROUP:ARTIFACT:VERSION}: the artifact and its runtime dependencies, transitively,
 * from the local repository (~/.m2/repository) and Maven Central, with Maven's own rules (nearest
 * wins) and the conflicts it settled reported.
 */
final class MavenDependencies {

  record Resolved(List<Path> jars, List<String> conflicts) {}

  private static final RemoteRepository CENTRAL =
      new RemoteRepository.Builder("central", "default", "https://repo.maven.apache.org/maven2/")
          .build();

  private RepositorySystem system;

  synchronized Resolved resolve(String coordinates) throws DependencyResolutionException {
    if (system == null) {
      system = new RepositorySystemSupplier().get();
    }
    var session = session();
    var collect =
        new CollectRequest(
            new Dependency(new DefaultArtifact(coordinates), "runtime"), List.of(CENTRAL));
    var result = system.resolveDependencies(session, new DependencyRequest(collect, null));
    var jars = new ArrayList<Path>();
    for (var a : result.getArtifactResults()) {
      if (a.getArtifact() != null && a.getArtifact().getFile() != null) {
        jars.add(a.getArtifact().getFile().toPath());
      }
    }
    var conflicts = new ArrayList<String>();
    collectConflicts(result.getRoot(), null, conflicts);
    return new Resolved(jars, conflicts);
  }

  private RepositorySystemSession session() {
    var session = MavenRepositorySystemUtils.newSession();
    var local = Path.of(System.getProperty("user.home"), ".m2", "repository");
    session.setLocalRepositoryManager(
        system.newLocalRepositoryManager(session, new LocalRepository(local.toFile())));
    // POMs activate profiles by JDK version and OS, as under Maven itself.
    session.setSystemProperties(System.getProperties());
    // Keep the losers of version conflicts in the graph, so they can be reported.
    session.setConfigProperty(ConflictResolver.CONFIG_PROP_VERBOSE, true);
    // A POM that cannot be read is an error to report, not a reason to drop its dependencies.
    session.setArtifactDescriptorPolicy(
        new org.eclipse.aether.util.repository.SimpleArtifactDescriptorPolicy(false, false));
    return session;
  }

  private static void collectConflicts(
      DependencyNode node, DependencyNode parent, List<String> out) {
    if (node == null) {
      return;
    }
    var winner = node.getData().get(ConflictResolver.NODE_DATA_WINNER);
    if (winner instanceof DependencyNode w
        && node.getArtifact() != null
        && w.getArtifact() != null
        && !w.getArtifact().getVersion().equals(node.getArtifact().getVersion())) {
      var a = node.getArtifact();
      out.add(
          a.getGroupId()
              + ":"
              + a.getArtifactId()
              + ": "
              + a.getVersion()
              + " wanted by "
              + (parent == null || parent.getArtifact() == null
                  ? "the request"
                  : parent.getArtifact())
              + ", "
              + w.getArtifact().getVersion()
              + " used");
    }
    for (var child : node.getChildren()) {
      collectConflicts(child, node, out);
    }
  }
}
