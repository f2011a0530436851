package dev.quiver.display;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One displayable value in every representation it offers, as Jupyter's {@code display_data}
 * carries it: an ordered map MIME type -> data, and a metadata object.
 *
 * <p>Every data value is text: text types and SVG as they are, {@code image/png} as base64 (the
 * form Jupyter's wire protocol uses), {@code application/json} as JSON text (a host parses it
 * before sending). {@code text/plain} is always present, so every frontend, terminal included, has
 * something to show. Metadata values must be JSON-like: String, Number, Boolean, List, Map.
 *
 * <pre>{@code
 * var bundle = MimeBundle.text("3 rows")
 *         .with(MimeBundle.TEXT_HTML, "<table>...</table>");
 * var image = MimeBundle.png(pngBytes, "loss curve").withImageSize(MimeBundle.IMAGE_PNG, 640, 480);
 * }</pre>
 *
 * @param data MIME type -> data, in insertion order; unmodifiable; contains {@code text/plain}
 * @param metadata Jupyter metadata object (e.g. {@code image/png -> {width, height}}); unmodifiable
 */
public record MimeBundle(Map<String, String> data, Map<String, Object> metadata) {

  public static final String TEXT_PLAIN = "text/plain";
  public static final String TEXT_HTML = "text/html";
  public static final String TEXT_MARKDOWN = "text/markdown";
  public static final String TEXT_LATEX = "text/latex";
  public static final String IMAGE_PNG = "image/png";
  public static final String IMAGE_SVG = "image/svg+xml";
  public static final String APPLICATION_JSON = "application/json";

  // type "/" subtype with the characters RFC 6838 allows (plus "+" suffixes such as svg+xml).
  private static final Pattern MIME =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*");

  /** Validates and copies; the copies keep insertion order, which frontends use as preference. */
  public MimeBundle {
    Objects.requireNonNull(data, "MimeBundle: data map is null");
    Objects.requireNonNull(metadata, "MimeBundle: metadata map is null");
    var copy = new LinkedHashMap<String, String>();
    for (var e : data.entrySet()) {
      checkMime(e.getKey());
      if (e.getValue() == null) {
        throw new NullPointerException("MimeBundle: data for " + e.getKey() + " is null");
      }
      copy.put(e.getKey(), e.getValue());
    }
    if (!copy.containsKey(TEXT_PLAIN)) {
      throw new IllegalArgumentException(
          "MimeBundle: text/plain is required so every frontend can show something; got types "
              + copy.keySet());
    }
    data = Collections.unmodifiableMap(copy);
    metadata = deepCopy(metadata, "metadata");
  }

  /** A bundle with only {@code text/plain}. */
  public static MimeBundle text(String plain) {
    Objects.requireNonNull(plain, "MimeBundle.text: text is null");
    return new MimeBundle(Map.of(TEXT_PLAIN, plain), Map.of());
  }

  /** A bundle with {@code text/plain} first and then {@code mime -> content}. */
  public static MimeBundle of(String plain, String mime, String content) {
    return text(plain).with(mime, content);
  }

  /**
   * A PNG image bundle: the bytes are checked to be a PNG, stored as base64, and the pixel size
   * read from the header goes into the metadata.
   *
   * @param png the PNG file's bytes
   * @param plain text/plain fallback, e.g. a description
   * @throws IllegalArgumentException when {@code png} is not a PNG
   */
  public static MimeBundle png(byte[] png, String plain) {
    var size = Png.pixelSize(png);
    return text(plain)
        .with(IMAGE_PNG, Base64.getEncoder().encodeToString(png))
        .withImageSize(IMAGE_PNG, size[0], size[1]);
  }

  /** A new bundle with {@code mime -> content} added, or replaced in place if present. */
  public MimeBundle with(String mime, String content) {
    checkMime(mime);
    Objects.requireNonNull(content, () -> "MimeBundle.with: data for " + mime + " is null");
    var copy = new LinkedHashMap<>(data);
    copy.put(mime, content);
    return new MimeBundle(copy, metadata);
  }

  /** A new bundle with a top-level metadata entry added or replaced. */
  public MimeBundle withMetadata(String key, Object value) {
    Objects.requireNonNull(key, "MimeBundle.withMetadata: key is null");
    Objects.requireNonNull(value, () -> "MimeBundle.withMetadata: value for " + key + " is null");
    var copy = new LinkedHashMap<>(metadata);
    copy.put(key, value);
    return new MimeBundle(data, copy);
  }

  /**
   * A new bundle whose metadata says how large the image of type {@code mime} is, in the form
   * Jupyter frontends read: {@code {"image/png": {"width": w, "height": h}}}.
   */
  public MimeBundle withImageSize(String mime, int width, int height) {
    checkMime(mime);
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "MimeBundle.withImageSize: "
              + mime
              + " size "
              + width
              + "x"
              + height
              + " is not positive");
    }
    var size = new LinkedHashMap<String, Object>();
    size.put("width", width);
    size.put("height", height);
    return withMetadata(mime, size);
  }

  /** The text/plain representation (always present). */
  public String text() {
    return data.get(TEXT_PLAIN);
  }

  /** The data for {@code mime}, if this bundle has it. */
  public Optional<String> get(String mime) {
    return Optional.ofNullable(data.get(mime));
  }

  public boolean has(String mime) {
    return data.containsKey(mime);
  }

  private static void checkMime(String mime) {
    if (mime == null) {
      throw new NullPointerException("MimeBundle: MIME type is null");
    }
    if (!MIME.matcher(mime).matches()) {
      throw new IllegalArgumentException(
          "MimeBundle: \""
              + mime
              + "\" is not a MIME type (expected type/subtype, e.g. text/html)");
    }
  }

  // Metadata becomes JSON on the wire; anything else would fail far from where it was put in.
  private static Object copyJsonLike(Object value, String where) {
    return switch (value) {
      case null -> throw new NullPointerException("MimeBundle: " + where + " is null");
      case String s -> s;
      case Number n -> n;
      case Boolean b -> b;
      case Map<?, ?> m -> deepCopy(m, where);
      case List<?> l -> {
        var out = new java.util.ArrayList<Object>(l.size());
        for (int i = 0; i < l.size(); i++) {
          out.add(copyJsonLike(l.get(i), where + "[" + i + "]"));
        }
        yield Collections.unmodifiableList(out);
      }
      default ->
          throw new IllegalArgumentException(
              "MimeBundle: "
                  + where
                  + " is a "
                  + value.getClass().getName()
                  + "; metadata values must be String, Number, Boolean, List or Map");
    };
  }

  private static Map<String, Object> deepCopy(Map<?, ?> map, String where) {
    var out = new LinkedHashMap<String, Object>();
    for (var e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new IllegalArgumentException(
            "MimeBundle: " + where + " has key " + e.getKey() + " that is not a String");
      }
      out.put(key, copyJsonLike(e.getValue(), where + "." + key));
    }
    return Collections.unmodifiableMap(out);
  }
}
