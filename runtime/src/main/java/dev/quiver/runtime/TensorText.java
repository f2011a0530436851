package dev.quiver.runtime;

import dev.quiver.display.MimeBundle;
import dev.quiver.display.Png;
import dev.quiver.runtime.backend.Backend;
import dev.quiver.runtime.backend.Backends;
import dev.quiver.runtime.backend.View;
import dev.quiver.runtime.format.TensorElements;
import dev.quiver.runtime.format.TensorFormat;
import dev.quiver.runtime.format.TensorFormatOptions;

/**
 * How a tensor looks as text and in a notebook: values like PyTorch prints them, plus its autodiff
 * state.
 */
final class TensorText {
  private TensorText() {}

  static String format(Tensor t) {
    if (t.view().storage().isReleased()) {
      return "tensor(<released>, shape=" + t.shapeString() + ", dtype=" + t.dtype() + ")";
    }
    return TensorFormat.toText(elements(t), options(t));
  }

  static MimeBundle bundle(Tensor t) {
    if (t.view().storage().isReleased()) {
      return MimeBundle.text(format(t));
    }
    MimeBundle b = TensorFormat.toMimeBundle(elements(t), options(t));
    if (TensorImages.looksLikeImages(t)) {
      // Images show as a picture; the text stays for consoles and the plain-text fallback.
      Png png = TensorImages.auto(t);
      b =
          b.with(MimeBundle.IMAGE_PNG, java.util.Base64.getEncoder().encodeToString(png.bytes()))
              .withImageSize(MimeBundle.IMAGE_PNG, png.width(), png.height());
    }
    return b;
  }

  private static TensorElements elements(Tensor t) {
    // Values are read one at a time, so a summarised million-element tensor reads only what is
    // shown.
    View v = t.view();
    Backend backend = Backends.of(v.device());
    return new TensorElements(
        v.shape(), i -> backend.get(v, i), !v.dtype().isFloating(), v.dtype().toString());
  }

  private static TensorFormatOptions options(Tensor t) {
    TensorFormatOptions o = TensorFormatOptions.DEFAULT;
    if (!t.device().equals(Device.CPU)) {
      o = o.withSuffix("device=" + t.device());
    }
    if (t.gradNode() != null) {
      o = o.withSuffix("gradFn=" + t.gradNode().op());
    } else if (t.isGradRequired()) {
      o = o.withSuffix("requiresGrad=true");
    }
    return o;
  }
}
