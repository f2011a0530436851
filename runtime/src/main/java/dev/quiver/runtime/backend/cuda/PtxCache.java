package dev.quiver.runtime.backend.cuda;

import dev.quiver.runtime.backend.cuda.ffi.Nvrtc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PTX for each kernel module, compiled by NVRTC at first use and kept in memory and on disk
 * ({@code ~/.cache/quiver/cuda}, or {@code $QUIVER_CACHE/cuda}): compiling all modules takes a few
 * seconds, which a notebook should pay once per machine, not once per session. The key is a hash
 * of the source, the options (which name the architecture) and the NVRTC version, so an edited
 * kernel or a new NVRTC never loads stale PTX.
 */
final class PtxCache {
  private final Nvrtc nvrtc;
  private final String nvrtcVersion;
  private final Path folder;
  private final Map<String, String> memory = new ConcurrentHashMap<>();

  PtxCache(Nvrtc nvrtc) {
    this(nvrtc, cacheFolder());
  }

  /** With the disk cache in {@code folder} (tests use a temporary one). */
  PtxCache(Nvrtc nvrtc, Path folder) {
    this.nvrtc = nvrtc;
    this.nvrtcVersion = nvrtc.version();
    this.folder = folder;
  }

  static Path cacheFolder() {
    String env = System.getenv("QUIVER_CACHE");
    Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home", "."), ".cache", "quiver");
    return base.resolve("cuda");
  }

  String nvrtcVersion() {
    return nvrtcVersion;
  }

  /** The newest architecture this NVRTC supports that the device can run (PTX is forward compatible). */
  int targetArchitecture(int computeCapability) {
    int[] supported = nvrtc.supportedArchitectures();
    int best = -1;
    for (int a : supported) {
      if (a <= computeCapability && a > best) {
        best = a;
      }
    }
    if (supported.length > 0 && best < 0) {
      throw new IllegalStateException("NVRTC " + nvrtcVersion + " (" + nvrtc.where() + ") cannot target compute capability "
          + computeCapability / 10 + "." + computeCapability % 10 + "; it supports " + java.util.Arrays.toString(supported));
    }
    return best < 0 ? computeCapability : best;
  }

  /** PTX of {@code module} for {@code arch}: from memory, disk, or NVRTC, in that order. */
  String ptx(String module, int arch) {
    return ptx(module, KernelSources.source(module), arch);
  }

  /** PTX of any complete source (generated fused kernels), cached under {@code name} and its hash. */
  String ptx(String module, String source, int arch) {
    List<String> options = KernelSources.options(arch);
    String key = module + "-" + arch + "-" + hash(source + "\0" + options + "\0" + nvrtcVersion);
    return memory.computeIfAbsent(key, k -> {
      Path file = folder.resolve(k + ".ptx");
      try {
        if (Files.isRegularFile(file)) {
          return Files.readString(file, StandardCharsets.UTF_8);
        }
      } catch (IOException unreadable) {
        // Compile again below.
      }
      String ptx = nvrtc.compile(source, module + ".cu", options);
      try {
        Files.createDirectories(folder);
        Path tmp = Files.createTempFile(folder, k, ".tmp");
        Files.writeString(tmp, ptx, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException | UnsupportedOperationException notWritable) {
        // A read-only home is no reason to fail: the PTX is still cached in memory.
      }
      return ptx;
    });
  }

  static String hash(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
