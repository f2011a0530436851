package dev.quiver.display;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * HTML to show as is. Return one from a cell or pass it to {@link Display#show(Object)}.
 *
 * <pre>{@code
 * new Html("<b>done</b> in " + Html.escape(elapsed))
 * }</pre>
 *
 * @param html the HTML fragment (trusted: it is not escaped)
 * @param plain the text/plain fallback for terminals
 */
public record Html(String html, String plain) implements Displayable {

  private static final Pattern TAG = Pattern.compile("<[^>]*>");
  private static final Pattern BLANKS = Pattern.compile("[ \\t\\x0B\\f\\r]+");
  private static final Pattern BLANK_LINES = Pattern.compile("\\n\\s*\\n+");

  public Html {
    Objects.requireNonNull(html, "Html: html is null");
    Objects.requireNonNull(plain, "Html: plain text fallback is null");
  }

  /** HTML whose fallback is its text with the tags removed, so a terminal shows the words. */
  public Html(String html) {
    this(html, stripTags(Objects.requireNonNull(html, "Html: html is null")));
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.of(plain, MimeBundle.TEXT_HTML, html);
  }

  /** Escapes {@code & < > " '} so any text can go into HTML content or a quoted attribute. */
  public static String escape(String text) {
    var out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  // A rough reading, only for the fallback: good enough for a sentence, not for a page.
  static String stripTags(String html) {
    var text = TAG.matcher(html).replaceAll("");
    text = BLANKS.matcher(text).replaceAll(" ");
    text = BLANK_LINES.matcher(text).replaceAll("\n").strip();
    return text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
  }
}
