package dev.quiver.kernel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuiverConfigTest {

  private final QuiverConfig config = QuiverConfig.load();

  @Test
  void theFlagsAreThePomsOnesThatSurefireGaveThisJvm() {
    // Surefire starts this JVM with ${quiver.jvm.flags} ${quiver.kernel.jvm.flags}; the resource
    // has the same text, and the JVMs that run users' code also ${quiver.memory.jvm.flags}.
    var mine = ManagementFactory.getRuntimeMXBean().getInputArguments();
    assertTrue(
        config.jvmFlags().contains("--add-modules=jdk.incubator.vector"),
        config.jvmFlags()::toString);
    var memory = List.of("-Dquiver.memory.heap=true", "-XX:MaxNewSize=32m");
    assertTrue(config.jvmFlags().containsAll(memory), config.jvmFlags()::toString);
    var common = config.jvmFlags().stream().filter(f -> !memory.contains(f)).toList();
    assertTrue(mine.containsAll(common), () -> mine + " lacks some of " + common);
    var access = config.kernelJvmFlags().stream().filter(f -> f.startsWith("--add-")).toList();
    assertFalse(access.isEmpty());
    assertTrue(mine.containsAll(access), () -> mine + " lacks some of " + access);
  }

  @Test
  void theKernelJvmHasItsTuningAndTheCellJvmItsExtras() {
    assertTrue(
        config.kernelJvmFlags().contains("-XX:TieredStopAtLevel=1"),
        config.kernelJvmFlags()::toString);
    assertTrue(
        config.kernelJvmFlags().contains("-XX:+UseSerialGC"), config.kernelJvmFlags()::toString);
    assertEquals("-XX:MetaspaceSize=128m", config.cellJvmFlags().getFirst());
    // Spark's module openings: %spark loads Spark later, and a JVM opens modules only at start.
    assertTrue(
        config.cellJvmFlags().contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
        config.cellJvmFlags()::toString);
  }

  @Test
  void importsAreWholeStatementsAndTheCellsGetTheKernelsOnTop() {
    assertTrue(
        config.imports().contains("import dev.quiver.runtime.*;"), config.imports()::toString);
    assertTrue(
        config.imports().contains("import static dev.quiver.display.Display.*;"),
        config.imports()::toString);
    for (var line : config.cellImports()) {
      assertTrue(line.matches("import (static )?[\\w.]+(\\.\\*)?;"), line);
    }
    assertTrue(config.cellImports().contains("import java.util.*;"));
    assertTrue(
        config.cellImports().stream().anyMatch(l -> l.endsWith(".Shared;")),
        config.cellImports()::toString);
    assertTrue(config.cellImports().containsAll(config.imports()));
    // ./quiver jshell has no agent: the Shared import is the kernel's alone.
    assertTrue(
        config.imports().stream().noneMatch(l -> l.endsWith(".Shared;")),
        config.imports()::toString);
  }

  @Test
  void modulesAreNamed() {
    assertTrue(
        config.jshellModules().containsAll(List.of("runtime", "dsl")),
        config.jshellModules()::toString);
    assertFalse(config.agentModule().isBlank());
  }

  @Test
  void aFlagLineSplitsAtWhiteSpaceAndJoinsBack() {
    assertEquals(List.of("-a", "-b=c"), QuiverConfig.flags("  -a\t -b=c \n"));
    assertEquals(List.of(), QuiverConfig.flags(" "));
    assertEquals("-a -b=c", QuiverConfig.line(QuiverConfig.flags("-a  -b=c")));
  }
}
