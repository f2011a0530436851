package dev.quiver.display;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An SVG image, as markup.
 *
 * <pre>{@code
 * new Svg("<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'><circle cx='10' cy='10' r='8'/></svg>")
 * }</pre>
 *
 * <h2>Why it is shown as an {@code <img>}</h2>
 *
 * A notebook opened before it is trusted (every notebook someone else saved) gets its outputs
 * sanitized: the classic Notebook and JupyterLab drop {@code image/svg+xml} and strip {@code <svg>}
 * elements out of HTML, leaving the chart's text run together. An {@code <img>} whose source is a
 * {@code data:} URI survives the sanitizer, and the browser draws the SVG inside it without running
 * anything. So the bundle's {@code text/html} is that image; {@code image/svg+xml} stays for
 * frontends without HTML.
 *
 * @param svg the SVG markup, with an {@code <svg>} root element
 */
public record Svg(String svg) implements Displayable {

  private static final Pattern SVG_START = Pattern.compile("<svg[\\s>/]");
  private static final Pattern ROOT = Pattern.compile("<svg\\b[^>]*>", Pattern.DOTALL);
  private static final Pattern WIDTH = Pattern.compile("\\swidth\\s*=\\s*[\"']([^\"']*)[\"']");
  private static final Pattern HEIGHT = Pattern.compile("\\sheight\\s*=\\s*[\"']([^\"']*)[\"']");
  private static final Pattern XMLNS = Pattern.compile("\\sxmlns\\s*=");
  private static final Pattern LENGTH = Pattern.compile("\\d+(\\.\\d+)?(px)?");

  /**
   * Checks there is an {@code <svg} element, because a frontend shows nothing for anything else.
   */
  public Svg {
    Objects.requireNonNull(svg, "Svg: markup is null");
    if (!SVG_START.matcher(svg).find()) {
      var head = svg.length() > 40 ? svg.substring(0, 40) + "..." : svg;
      throw new IllegalArgumentException("Svg: markup has no <svg> element: \"" + head + "\"");
    }
  }

  @Override
  public MimeBundle toMimeBundle() {
    var text = describe();
    return MimeBundle.text(text)
        .with(MimeBundle.TEXT_HTML, imgTag(text))
        .with(MimeBundle.IMAGE_SVG, svg);
  }

  /**
   * The image as a {@code data:image/svg+xml;base64,...} URI. An image must name the SVG namespace
   * to be drawn, so a root element without {@code xmlns} gets it here.
   */
  public String dataUri() {
    var markup = svg;
    var root = ROOT.matcher(markup);
    if (root.find() && !XMLNS.matcher(root.group()).find()) {
      int at = root.start() + "<svg".length();
      markup =
          markup.substring(0, at) + " xmlns=\"http://www.w3.org/2000/svg\"" + markup.substring(at);
    }
    return "data:image/svg+xml;base64,"
        + Base64.getEncoder().encodeToString(markup.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * An {@code <img>} element that shows this image, with {@code alt} as its text (escaped here),
   * sized as the root element says: HTML that survives a notebook's sanitizer.
   */
  public String imgTag(String alt) {
    var size = size();
    var tag = new StringBuilder("<img src=\"").append(dataUri()).append('"');
    if (size != null && isLength(size[0]) && isLength(size[1])) {
      tag.append(" width=\"").append(pixels(size[0])).append('"');
      tag.append(" height=\"").append(pixels(size[1])).append('"');
    }
    return tag.append(" alt=\"").append(Html.escape(alt)).append("\"/>").toString();
  }

  // {width, height} as the root element states them, or null.
  private String[] size() {
    var root = ROOT.matcher(svg);
    if (root.find()) {
      var w = WIDTH.matcher(root.group());
      var h = HEIGHT.matcher(root.group());
      if (w.find() && h.find()) {
        return new String[] {w.group(1).strip(), h.group(1).strip()};
      }
    }
    return null;
  }

  // Pixel sizes only ("300", "300px"): an <img> reads "100%" or "10em" differently from an <svg>.
  private static boolean isLength(String s) {
    return LENGTH.matcher(s).matches();
  }

  private static long pixels(String length) {
    return Math.round(Double.parseDouble(length.replace("px", "")));
  }

  // "SVG image 300x200" when the root element states its size, else "SVG image".
  private String describe() {
    var size = size();
    return size == null ? "SVG image" : "SVG image " + size[0] + "x" + size[1];
  }
}
