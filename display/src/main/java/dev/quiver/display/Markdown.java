package dev.quiver.display;

import java.util.Objects;

/**
 * Markdown rendered by the frontend; terminals show the source, which reads well as is.
 *
 * <pre>{@code
 * new Markdown("**loss** fell from 2.3 to 0.07")
 * }</pre>
 *
 * @param markdown the Markdown source
 */
public record Markdown(String markdown) implements Displayable {

  public Markdown {
    Objects.requireNonNull(markdown, "Markdown: text is null");
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.of(markdown, MimeBundle.TEXT_MARKDOWN, markdown);
  }
}
