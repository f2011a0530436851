package dev.quiver.display;

import java.util.Objects;

/**
 * LaTeX rendered by the frontend (MathJax or KaTeX); terminals show the source.
 *
 * <p>The text is sent as is, and frontends typeset math only between {@code $...$} or {@code
 * $$...$$}; {@link #math(String)} adds display-math delimiters for a bare formula.
 *
 * <pre>{@code
 * Latex.math("\\frac{\\partial L}{\\partial w} = 2x(wx + b - y)")
 * }</pre>
 *
 * @param latex the LaTeX source, delimiters included
 */
public record Latex(String latex) implements Displayable {

  public Latex {
    Objects.requireNonNull(latex, "Latex: text is null");
  }

  /** A display-math formula: {@code expression} wrapped in {@code $$...$$}. */
  public static Latex math(String expression) {
    Objects.requireNonNull(expression, "Latex.math: expression is null");
    return new Latex("$$" + expression + "$$");
  }

  @Override
  public MimeBundle toMimeBundle() {
    return MimeBundle.of(latex, MimeBundle.TEXT_LATEX, latex);
  }
}
