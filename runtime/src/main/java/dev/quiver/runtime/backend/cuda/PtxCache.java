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
 * The compiled image of each kernel module, built by NVRTC at first use and kept in memory and on
 * disk ({@code ~/.cache/quiver/cuda}, or {@code $QUIVER_CACHE/cuda}): compiling all modules takes a
 * few seconds, which a notebook should pay once per machine, not once per session. The key is a
 * hash of the source, the options (which name the architecture) and the NVRTC version, so an edited
 * kernel or a new NVRTC never loads a stale image.
 *
 * <p>Why CUBIN where possible: PTX is JIT-compiled by the driver, which rejects PTX from an NVRTC
 * newer than itself (CUDA_ERROR_UNSUPPORTED_PTX_VERSION), and a pip-installed NVRTC 12.8 next to a
 * 12.2 driver is common. Machine code for the device's own architecture needs no JIT and loads
 * under CUDA's minor-version compatibility. PTX remains for a device newer than NVRTC knows.
 */
final class PtxCache {
  private final Nvrtc nvrtc;
  private final String nvrtcVersion;
  private final Path folder;
  private final Map<String, byte[]> memory = new ConcurrentHashMap<>();

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
    Path base =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home", "."), ".cache", "quiver");
    return base.resolve("cuda");
  }

  String nvrtcVersion() {
    return nvrtcVersion;
  }

  /**
   * What NVRTC builds for a device: machine code for its own architecture ({@code cubin}), or PTX
   * for a virtual one ({@code compute_XX}) that the driver compiles on load.
   */
  record Target(int arch, boolean cubin) {
    /** "sm_90" or "compute_90": the option's value, and how messages name it. */
    @Override
    public String toString() {
      return (cubin ? "sm_" : "compute_") + arch;
    }
  }

  /**
   * CUBIN for the device's own architecture when this NVRTC can emit it for that architecture;
   * otherwise PTX for the newest architecture NVRTC supports that the device can run (PTX is
   * forward compatible).
   */
  Target target(int computeCapability) {
    int[] supported = nvrtc.supportedArchitectures();
    int best = -1;
    for (int a : supported) {
      if (a == computeCapability && nvrtc.canEmitCubin()) {
        return new Target(a, true);
      }
      if (a <= computeCapability && a > best) {
        best = a;
      }
    }
    if (supported.length > 0 && best < 0) {
      throw new IllegalStateException(
          "NVRTC "
              + nvrtcVersion
              + " ("
              + nvrtc.where()
              + ") cannot target compute capability "
              + computeCapability / 10
              + "."
              + computeCapability % 10
              + "; it supports "
              + java.util.Arrays.toString(supported));
    }
    return new Target(best < 0 ? computeCapability : best, false);
  }

  /**
   * PTX text of {@code module} for compute_{@code arch}: from memory, disk, or NVRTC, in that
   * order.
   */
  String ptx(String module, int arch) {
    return ptx(module, KernelSources.source(module), arch);
  }

  /**
   * PTX text of any complete source (generated fused kernels), cached under {@code module} and its
   * hash.
   */
  String ptx(String module, String source, int arch) {
    byte[] image = image(module, source, new Target(arch, false));
    int n = image.length > 0 && image[image.length - 1] == 0 ? image.length - 1 : image.length;
    return new String(image, 0, n, StandardCharsets.UTF_8); // without the NUL
  }

  /**
   * The image of {@code module} for {@code target}, ready for cuModuleLoadData (PTX ends in a NUL).
   */
  byte[] image(String module, Target target) {
    return image(module, KernelSources.source(module), target);
  }

  /**
   * As above for any complete source (generated fused kernels), cached under {@code module} and its
   * hash.
   */
  byte[] image(String module, String source, Target target) {
    List<String> options = KernelSources.options(target.arch(), target.cubin());
    String key =
        module + "-" + target.arch() + "-" + hash(source + "\0" + options + "\0" + nvrtcVersion);
    String extension = target.cubin() ? ".cubin" : ".ptx";
    return memory.computeIfAbsent(
        key + extension,
        k -> {
          Path file = folder.resolve(k);
          try {
            if (Files.isRegularFile(file)) {
              byte[] cached = Files.readAllBytes(file);
              if (cached.length > 0) {
                return cached;
              }
            }
          } catch (IOException unreadable) {
            // Compile again below.
          }
          byte[] image =
              target.cubin()
                  ? nvrtc.compileCubin(source, module + ".cu", options)
                  : nvrtc
                      .compile(source, module + ".cu", options)
                      .concat("\0")
                      .getBytes(StandardCharsets.UTF_8);
          try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, key, ".tmp");
            Files.write(tmp, image);
            Files.move(
                tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException | UnsupportedOperationException notWritable) {
            // A read-only home is no reason to fail: the image is still cached in memory.
          }
          return image;
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
