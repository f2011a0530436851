package dev.quiver.dsl;

/**
 * What a saved model holds of one layer, besides its weights: a record whose components are the
 * arguments that rebuild the layer (Keras' {@code get_config}), and which rebuilds it (Keras'
 * {@code from_config}). Implemented by a record declared in the layer's own file:
 *
 * <pre>{@code
 * public record Config(double rate) implements LayerConfig {
 *   public Dropout create() { return Dropout.of(rate); }
 * }
 * }</pre>
 *
 * <p>A component is written to {@code model.json} under its own name, so its name and type are the
 * file format: numbers ({@code int}, {@code long}, {@code float}, {@code double} and their boxes),
 * {@code boolean}, {@code String}, enums, arrays of {@code int}, {@code long} or {@code double},
 * and layers (a {@link Module} that is {@link Saveable} itself, as Dense holds its activation), any
 * of them {@code null} where the type allows it. The names {@code type} and {@code name} are taken
 * by the file.
 */
public interface LayerConfig {
  /** A new, unbuilt layer of this configuration; its weights are loaded afterwards. */
  Module create();
}
