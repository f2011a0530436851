package dev.quiver.dsl;

import dev.quiver.dsl.data.Dataset;
import dev.quiver.dsl.loss.Loss;
import dev.quiver.dsl.metrics.Evaluation;
import dev.quiver.dsl.metrics.Metric;
import dev.quiver.dsl.train.Fit;
import dev.quiver.dsl.train.History;
import dev.quiver.dsl.train.Trainer;
import dev.quiver.runtime.DType;
import dev.quiver.runtime.Device;
import dev.quiver.runtime.Tensor;
import dev.quiver.runtime.autograd.Autograd;
import java.nio.file.Path;
import java.util.List;

/**
 * A module that trains, evaluates, predicts and saves, as Keras' {@code Model} extends its {@code
 * Layer}: {@link Sequential} is one, and a free-form model is a subclass of this one (see {@link
 * Module} for an example). A bare layer ({@code Dense.of(3)}) is a module but not a model, so it
 * cannot be fit; put it in a {@code Sequential}.
 *
 * <p>The training loop itself is {@link Trainer}; the optimizer of a {@link Fit} is bound to this
 * model's {@link #parameters()} there, so optimizers never see modules.
 */
public abstract class Model extends Module {
  // The loss, metrics and batch size that evaluate(data) reuses.
  private Fit lastFit;

  /** Trains on {@code data}; see {@link Fit} for the options. Returns the per-epoch history. */
  public History fit(Dataset data, Fit options) {
    lastFit = options;
    return Trainer.fit(this, data, options);
  }

  /** Loss and metrics on {@code data}, with the loss and metrics of the last {@link #fit}. */
  public Evaluation evaluate(Dataset data) {
    if (lastFit == null || lastFit.loss() == null) {
      throw new IllegalStateException(
          describe()
              + ": evaluate(data) uses the loss of the last fit, and there was "
              + "none; call evaluate(data, loss, metrics...)");
    }
    return Trainer.evaluate(this, data, lastFit.loss(), lastFit.metrics(), lastFit.batchSize());
  }

  /** Loss and metrics on {@code data}. */
  public Evaluation evaluate(Dataset data, Loss loss, Metric... metrics) {
    return Trainer.evaluate(this, data, loss, List.of(metrics), 256);
  }

  /**
   * The model's output for {@code x}, in inference mode and without recording gradients. The input
   * is moved to the model's device, and the output stays there.
   */
  public Tensor predict(Tensor x) {
    boolean was = isTraining();
    eval();
    try (var ignored = Autograd.noGrad()) {
      return apply(isBuilt() ? x.to(device()) : x);
    } finally {
      mode(was);
    }
  }

  /** The Keras-like table of layers, output shapes and parameter counts. */
  public Summary summary() {
    return Summary.of(this);
  }

  /**
   * Writes this model's architecture and weights to {@code dir} (see {@link Models#save}). A model
   * whose architecture is its own code has none to write: this default says so; {@link Sequential}
   * writes its layers.
   */
  public void save(Path dir) {
    throw new UnsupportedOperationException(
        describe()
            + ".save: a free-form model has no saved architecture; save "
            + "its weights with Models.saveWeights(model, file) and load them into a new instance with Models.loadWeights");
  }

  /**
   * The first module whose output holds NaN or infinity when {@code x} runs through this model, or
   * {@code null}; {@code "the input batch itself"} when {@code x} does. The trainer calls this when
   * a loss goes bad.
   */
  public String firstNonFiniteLayer(Tensor x) {
    return ForwardTrace.firstNonFinite(this, x);
  }

  // Module's fluent methods, typed as Model so that `new MyModel().seed(7)` can still be fit.

  @Override
  public Model seed(long s) {
    super.seed(s);
    return this;
  }

  @Override
  public Model named(String newName) {
    super.named(newName);
    return this;
  }

  @Override
  public Model train() {
    super.train();
    return this;
  }

  @Override
  public Model eval() {
    super.eval();
    return this;
  }

  @Override
  public Model to(DType dtype) {
    super.to(dtype);
    return this;
  }

  @Override
  public Model to(Device target) {
    super.to(target);
    return this;
  }
}
