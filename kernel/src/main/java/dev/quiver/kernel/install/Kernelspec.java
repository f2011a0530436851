package dev.quiver.kernel.install;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** A kernelspec folder: kernel.json from the checkout's template, and the logos. */
public final class Kernelspec {

  /** The name Jupyter knows the kernel by (its folder's name). */
  public static final String NAME = "quiver-java";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> LOGOS = List.of("logo-32x32.png", "logo-64x64.png");

  private Kernelspec() {}

  /**
   * Writes {@code dir/kernel.json} (the template's {@code @ARGV@} and {@code @ROOT@} filled in) and
   * the logos.
   */
  public static void write(Path dir, Checkout checkout, List<String> argv) throws IOException {
    var template = checkout.kernelspecTemplate();
    Files.createDirectories(dir);
    var json =
        Files.readString(template.resolve("kernel.json.in"))
            .replace("@ARGV@", json(argv))
            .replace("@ROOT@", json(checkout.root().toString()));
    Files.writeString(dir.resolve("kernel.json"), json);
    for (var logo : LOGOS) {
      Files.copy(template.resolve(logo), dir.resolve(logo), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value + " as JSON", e);
    }
  }
}
