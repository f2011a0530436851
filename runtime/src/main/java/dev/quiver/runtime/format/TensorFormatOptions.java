package dev.quiver.runtime.format;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How tensors print. The defaults follow PyTorch's print options.
 *
 * <pre>{@code
 * TensorFormatOptions.DEFAULT.withName("Parameter").withSuffix("requires_grad=true")
 * }</pre>
 *
 * @param name the word before the parenthesis: {@code tensor(...)}, {@code Parameter(...)}
 * @param precision digits after the decimal point for floating-point elements
 * @param threshold more elements than this and the text shows only the edges of each axis
 * @param edgeItems elements shown at each end of an axis when summarizing
 * @param lineWidth characters per line before a row wraps
 * @param sciMode when scientific notation is used
 * @param impliedDtypes dtypes so usual that naming them is noise (PyTorch's: float32, int64)
 * @param suffixes extra {@code key=value} items after the elements, e.g. {@code requires_grad=true}
 */
public record TensorFormatOptions(
    String name,
    int precision,
    long threshold,
    int edgeItems,
    int lineWidth,
    SciMode sciMode,
    Set<String> impliedDtypes,
    List<String> suffixes) {

  /** When floating-point elements print as {@code 1.0000e-05}. */
  public enum SciMode {
    /**
     * when magnitudes call for it: the largest over 1e8, or largest/smallest over 1000, or
     * (fractional values) the smallest below 1e-4
     */
    AUTO,
    ALWAYS,
    NEVER
  }

  public static final TensorFormatOptions DEFAULT =
      new TensorFormatOptions(
          "tensor", 4, 1000, 3, 80, SciMode.AUTO, Set.of("float32", "int64"), List.of());

  public TensorFormatOptions {
    Objects.requireNonNull(name, "TensorFormatOptions: name is null");
    Objects.requireNonNull(sciMode, "TensorFormatOptions: sciMode is null");
    if (precision < 0 || precision > 30) {
      throw new IllegalArgumentException(
          "TensorFormatOptions: precision " + precision + " is outside [0, 30]");
    }
    if (threshold < 0) {
      throw new IllegalArgumentException(
          "TensorFormatOptions: threshold " + threshold + " is negative");
    }
    if (edgeItems < 0) {
      throw new IllegalArgumentException(
          "TensorFormatOptions: edgeItems " + edgeItems + " is negative");
    }
    if (lineWidth < 1) {
      throw new IllegalArgumentException(
          "TensorFormatOptions: lineWidth " + lineWidth + " is not positive");
    }
    impliedDtypes = Set.copyOf(impliedDtypes);
    suffixes = List.copyOf(suffixes);
  }

  public TensorFormatOptions withName(String newName) {
    return new TensorFormatOptions(
        newName, precision, threshold, edgeItems, lineWidth, sciMode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withPrecision(int digits) {
    return new TensorFormatOptions(
        name, digits, threshold, edgeItems, lineWidth, sciMode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withThreshold(long elements) {
    return new TensorFormatOptions(
        name, precision, elements, edgeItems, lineWidth, sciMode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withEdgeItems(int items) {
    return new TensorFormatOptions(
        name, precision, threshold, items, lineWidth, sciMode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withLineWidth(int characters) {
    return new TensorFormatOptions(
        name, precision, threshold, edgeItems, characters, sciMode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withSciMode(SciMode mode) {
    return new TensorFormatOptions(
        name, precision, threshold, edgeItems, lineWidth, mode, impliedDtypes, suffixes);
  }

  public TensorFormatOptions withImpliedDtypes(Set<String> dtypes) {
    return new TensorFormatOptions(
        name, precision, threshold, edgeItems, lineWidth, sciMode, dtypes, suffixes);
  }

  /** These options with exactly {@code items} as extra suffixes. */
  public TensorFormatOptions withSuffixes(List<String> items) {
    return new TensorFormatOptions(
        name, precision, threshold, edgeItems, lineWidth, sciMode, impliedDtypes, items);
  }

  /**
   * These options with {@code suffix} appended to the suffixes, e.g. {@code "requires_grad=true"}.
   */
  public TensorFormatOptions withSuffix(String suffix) {
    Objects.requireNonNull(suffix, "TensorFormatOptions.withSuffix: suffix is null");
    var more = new ArrayList<>(suffixes);
    more.add(suffix);
    return new TensorFormatOptions(
        name,
        precision,
        threshold,
        edgeItems,
        lineWidth,
        sciMode,
        impliedDtypes,
        Collections.unmodifiableList(more));
  }
}
