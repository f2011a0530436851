package dev.quiver.runtime.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiver.runtime.backend.cuda.ffi.LibraryFinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library discovery, on temporary folders laid out like CUDA installs and Python site-packages. */
class LibraryFinderTest {
  @TempDir Path tmp;

  private Path touch(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.createFile(file);
  }

  @Test
  void searchesCudaHomeThenLdLibraryPathThenSitePackages() throws IOException {
    Path cudaHome = tmp.resolve("cuda");
    Files.createDirectories(cudaHome.resolve("lib64"));
    Path ld1 = Files.createDirectories(tmp.resolve("ld1"));
    Path ld2 = Files.createDirectories(tmp.resolve("ld2"));
    Path py = tmp.resolve("pyroot");
    Path cublasLib =
        Files.createDirectories(py.resolve("python3.12/site-packages/nvidia/cublas/lib"));
    Path nvrtcLib =
        Files.createDirectories(py.resolve("python3.12/site-packages/nvidia/cuda_nvrtc/lib"));
    Files.createDirectories(py.resolve("python3.12/site-packages/nvidia/nolib"));
    Path home = Files.createDirectories(tmp.resolve("home"));
    Map<String, String> env =
        Map.of(
            "CUDA_HOME",
            cudaHome.toString(),
            "LD_LIBRARY_PATH",
            ld1 + ":" + tmp.resolve("missing") + "::" + ld2);

    List<Path> folders = LibraryFinder.searchFolders(env, home, List.of(py));

    int iCuda = folders.indexOf(cudaHome.resolve("lib64"));
    int iLd1 = folders.indexOf(ld1);
    int iLd2 = folders.indexOf(ld2);
    int iCublas = folders.indexOf(cublasLib);
    int iNvrtc = folders.indexOf(nvrtcLib);
    assertTrue(
        iCuda >= 0 && iLd1 > iCuda && iLd2 > iLd1 && iCublas > iLd2 && iNvrtc > iLd2,
        folders.toString());
    assertFalse(folders.contains(tmp.resolve("missing")), "folders that do not exist are left out");
    assertFalse(folders.contains(cudaHome.resolve("lib")), "CUDA_HOME/lib does not exist here");
    assertFalse(
        folders.stream().anyMatch(p -> p.toString().contains("nolib")),
        "a package without lib/ is skipped");
  }

  @Test
  void findsSitePackagesOfVirtualEnvAndUserHome() throws IOException {
    Path venv = tmp.resolve("venv");
    Path inVenv =
        Files.createDirectories(venv.resolve("lib/python3.11/site-packages/nvidia/cublas/lib"));
    Path home = tmp.resolve("home");
    Path inHome =
        Files.createDirectories(
            home.resolve(".local/lib/python3.10/site-packages/nvidia/cuda_nvrtc/lib"));

    List<Path> folders =
        LibraryFinder.searchFolders(Map.of("VIRTUAL_ENV", venv.toString()), home, List.of());

    assertTrue(folders.contains(inVenv), folders.toString());
    assertTrue(folders.contains(inHome), folders.toString());
  }

  @Test
  void prefersTheNewestSonameWhereverItIs() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    touch(a.resolve("libcublas.so.11"));
    Path newest = touch(b.resolve("libcublas.so.12"));

    Optional<Path> found =
        LibraryFinder.locate(
            List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11"), List.of(a, b));

    assertEquals(Optional.of(newest), found);
  }

  @Test
  void followsSymbolicLinksAndIgnoresDanglingOnes() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("lib"));
    Path real = touch(dir.resolve("libnvrtc.so.12.4.127"));
    Files.createSymbolicLink(dir.resolve("libnvrtc.so.12"), real.getFileName());
    Files.createSymbolicLink(dir.resolve("libnvrtc.so.13"), dir.resolve("gone"));

    Optional<Path> found =
        LibraryFinder.locate(List.of("libnvrtc.so.13", "libnvrtc.so.12"), List.of(dir));

    assertEquals(Optional.of(dir.resolve("libnvrtc.so.12")), found);
  }

  @Test
  void missingLibraryIsNamedWithTheFoldersSearched() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));

    assertEquals(Optional.empty(), LibraryFinder.locate(List.of("libcublas.so.12"), List.of(a, b)));
    String reason =
        LibraryFinder.describeMiss(List.of("libcublas.so.13", "libcublas.so.12"), List.of(a, b));
    assertEquals(
        "libcublas.so.13, libcublas.so.12 not found by the dynamic loader nor in 2 folders ("
            + a
            + ", "
            + b
            + "); set CUDA_HOME or LD_LIBRARY_PATH to the folder that has it",
        reason);
  }

  @Test
  void loadingSomethingAbsentGivesAReasonNotAnException() {
    LibraryFinder.Result r = LibraryFinder.load(List.of("libquiver-does-not-exist.so.7"));

    assertTrue(r.loaded().isEmpty());
    assertTrue(
        r.reason().contains("libquiver-does-not-exist.so.7 not found by the dynamic loader"),
        r.reason());
    assertTrue(r.reason().contains("CUDA_HOME"), r.reason());
  }

  @Test
  void librariesNewerThanTheDriverAreNotTried() {
    List<String> nvrtc = dev.quiver.runtime.backend.cuda.ffi.Nvrtc.SONAMES;
    assertEquals(
        List.of("libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11", "libnvrtc.so"),
        LibraryFinder.usableWith(nvrtc, 12040),
        "a CUDA 12.4 driver: no NVRTC 13, whose PTX it could not load");
    assertEquals(
        List.of("libcublas.so.11", "libcublas.so"),
        LibraryFinder.usableWith(dev.quiver.runtime.backend.cuda.ffi.Cublas.SONAMES, 11080));
    assertEquals(
        nvrtc, LibraryFinder.usableWith(nvrtc, 13000), "a CUDA 13 driver takes every release");
    assertEquals(nvrtc, LibraryFinder.usableWith(nvrtc, 0), "unknown driver version: no filtering");
  }

  /**
   * cuBLAS found in a folder (not by the loader) needs cuBLASLt from that folder: two real
   * libraries built here, the second needing the first by soname and without a run path, as a CUDA
   * folder outside the loader's cache has them.
   */
  @Test
  void aLibraryFoundInAFolderGetsItsCompanionFromThere() throws Throwable {
    Path cc = Path.of("/usr/bin/cc");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(cc), "no cc to build the test libraries");
    Path dir = Files.createDirectories(tmp.resolve("cuda-elsewhere"));
    Files.writeString(dir.resolve("lt.c"), "int qv_lt_answer(void) { return 42; }\n");
    Files.writeString(
        dir.resolve("main.c"),
        "int qv_lt_answer(void);\nint qv_answer(void) { return qv_lt_answer(); }\n");
    run(
        cc.toString(),
        "-shared",
        "-fPIC",
        "-Wl,-soname,libqvtestLt.so.7",
        "-o",
        dir.resolve("libqvtestLt.so.7").toString(),
        dir.resolve("lt.c").toString());
    run(
        cc.toString(),
        "-shared",
        "-fPIC",
        "-Wl,-soname,libqvtest.so.7",
        "-o",
        dir.resolve("libqvtest.so.7").toString(),
        dir.resolve("main.c").toString(),
        dir.resolve("libqvtestLt.so.7").toString());
    Path main = dir.resolve("libqvtest.so.7");
    LibraryFinder.Result alone = LibraryFinder.loadFile(main, name -> null);
    assertTrue(
        alone.loaded().isEmpty(), "without its companion the loader cannot find what it needs");
    LibraryFinder.Result withCompanion =
        LibraryFinder.loadFile(
            main,
            name ->
                name.startsWith("libqvtest.")
                    ? "libqvtestLt." + name.substring("libqvtest.".length())
                    : null);
    assertTrue(withCompanion.loaded().isPresent(), withCompanion.reason());
    var answer =
        java.lang.foreign.Linker.nativeLinker()
            .downcallHandle(
                withCompanion.loaded().get().lookup().find("qv_answer").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
    assertEquals(42, (int) answer.invokeExact());
    assertEquals(
        "libcublasLt.so.12",
        dev.quiver.runtime.backend.cuda.ffi.Cublas.companion("libcublas.so.12"));
    assertEquals(
        "libcublasLt.so", dev.quiver.runtime.backend.cuda.ffi.Cublas.companion("libcublas.so"));
    assertEquals(
        "libnvrtc-builtins.so.12*",
        dev.quiver.runtime.backend.cuda.ffi.Nvrtc.companion("libnvrtc.so.12"));
    assertEquals(
        "libnvrtc-builtins.so.11.2*",
        dev.quiver.runtime.backend.cuda.ffi.Nvrtc.companion("libnvrtc.so.11.2"));
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String log =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + "\n" + log);
  }
}
