package dev.quiver.display;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An SVG image, as markup.
 *
 * <pre>{@code
 * new Svg("<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'><circle cx='10' cy='10' r='8'/></svg>")
 * }</pre>
 *
 * @param svg the SVG markup, with an {@code <svg>} root element
 */
public record Svg(String svg) implements Displayable {

  private static final Pattern SVG_START = Pattern.compile("<svg[\\s>/]");
  private static final Pattern ROOT = Pattern.compile("<svg\\b[^>]*>", Pattern.DOTALL);
  private static final Pattern WIDTH = Pattern.compile("\\swidth\\s*=\\s*[\"']([^\"']*)[\"']");
  private static final Pattern HEIGHT = Pattern.compile("\\sheight\\s*=\\s*[\"']([^\"']*)[\"']");

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
    return MimeBundle.of(describe(), MimeBundle.IMAGE_SVG, svg);
  }

  // "SVG image 300x200" when the root element states its size, else "SVG image".
  private String describe() {
    var root = ROOT.matcher(svg);
    if (root.find()) {
      var w = WIDTH.matcher(root.group());
      var h = HEIGHT.matcher(root.group());
      if (w.find() && h.find()) {
        return "SVG image " + w.group(1) + "x" + h.group(1);
      }
    }
    return "SVG image";
  }
}
