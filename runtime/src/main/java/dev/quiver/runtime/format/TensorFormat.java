package dev.quiver.runtime.format;

import dev.quiver.display.MimeBundle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;

/**
 * Text and HTML forms of a tensor, in PyTorch's look.
 *
 * <pre>{@code
 * tensor([[ 1.0000, -2.5000],
 *         [ 3.0000,  4.0000]])
 * tensor([1, 2, 3], dtype=int32)
 * tensor([1.0000e-05, 1.0000e+05])
 * tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int32)
 * }</pre>
 *
 * <p>Rules: all shown elements share one format (fixed with {@code precision} decimals; whole
 * floats as {@code 3.}; scientific when magnitudes span more than 1000x, exceed 1e8, or fractional
 * values go below 1e-4) and are right-aligned to the widest. More than {@code threshold} elements
 * and each axis shows its first and last {@code edgeItems}. The dtype is named unless implied
 * (float32, int64); the shape is named when the elements do not show it (summarized, or empty with
 * rank other than 1).
 */
public final class TensorFormat {

  private TensorFormat() {}

  /** {@code tensor([...])} with the default options. */
  public static String toText(TensorElements elements) {
    return toText(elements, TensorFormatOptions.DEFAULT);
  }

  /** {@code tensor([...])} for the given shape and element function, with the default options. */
  public static String toText(
      long[] shape, LongToDoubleFunction at, boolean integral, String dtype) {
    return toText(new TensorElements(shape, at, integral, dtype));
  }

  /**
   * {@code name([...], suffixes)}, e.g. {@code Parameter([0.5000, 0.2500])} with {@code
   * options.withName("Parameter")}.
   */
  public static String toText(TensorElements elements, TensorFormatOptions options) {
    var shown = ShownElements.of(elements, options);
    var body = TextLayout.body(shown, options.name().length() + 1, options.lineWidth());
    return TextLayout.wrap(
        options.name(), body, suffixes(elements, shown, options), options.lineWidth());
  }

  /**
   * Only the elements, as numpy's {@code str()} prints them: {@code [[1., 2.],\n [3., 4.]]}; a
   * scalar as its bare number, {@code 3.5000}.
   */
  public static String elementsText(TensorElements elements, TensorFormatOptions options) {
    var shown = ShownElements.of(elements, options);
    return TextLayout.body(shown, 0, options.lineWidth());
  }

  /** HTML with the default options. */
  public static String toHtml(TensorElements elements) {
    return toHtml(elements, TensorFormatOptions.DEFAULT);
  }

  /**
   * An HTML table for 1-D and 2-D tensors, with index headers, ellipsis rows and columns when
   * summarized, and a caption {@code shape [3, 4] · float32}; other ranks, scalars and empty
   * tensors as the escaped text form in {@code <pre>} under the same caption. Inline styles only.
   */
  public static String toHtml(TensorElements elements, TensorFormatOptions options) {
    var shown = ShownElements.of(elements, options);
    var caption = caption(elements, options);
    if ((shown.rank() == 1 || shown.rank() == 2) && !shown.isEmpty()) {
      return HtmlLayout.table(shown, caption);
    }
    return HtmlLayout.preformatted(toText(elements, options), caption);
  }

  /** A bundle with both forms: what a tensor's {@code toMimeBundle()} returns. */
  public static MimeBundle toMimeBundle(TensorElements elements, TensorFormatOptions options) {
    return MimeBundle.of(
        toText(elements, options), MimeBundle.TEXT_HTML, toHtml(elements, options));
  }

  private static List<String> suffixes(
      TensorElements elements, ShownElements shown, TensorFormatOptions options) {
    var out = new ArrayList<String>();
    if (shown.summarized() || (shown.isEmpty() && shown.rank() != 1)) {
      out.add("shape=" + elements.shapeText());
    }
    if (elements.dtype() != null && !options.impliedDtypes().contains(elements.dtype())) {
      out.add("dtype=" + elements.dtype());
    }
    out.addAll(options.suffixes());
    return out;
  }

  // "shape [3, 4] · float32", with the name first when it is not the usual "tensor".
  private static String caption(TensorElements elements, TensorFormatOptions options) {
    var parts = new ArrayList<String>();
    if (!options.name().equals(TensorFormatOptions.DEFAULT.name())) {
      parts.add(options.name());
    }
    parts.add("shape " + elements.shapeText());
    if (elements.dtype() != null) {
      parts.add(elements.dtype());
    }
    parts.addAll(options.suffixes());
    return String.join(" \u00b7 ", parts);
  }
}
