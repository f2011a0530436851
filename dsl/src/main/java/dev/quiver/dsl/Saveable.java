package dev.quiver.dsl;

/**
 * A layer that declares its configuration, so that a model holding it can be saved with {@link
 * Models#save} and rebuilt by {@link Models#load}. Every built-in layer of {@code
 * dev.quiver.dsl.layers} is one; a layer of your own becomes one by declaring a {@link LayerConfig}
 * record, in its own file or cell, and returning it:
 *
 * <pre>{@code
 * class Scale extends Module implements Saveable<Scale.Config> {
 *   record Config(double factor) implements LayerConfig {
 *     public Scale create() { return new Scale(factor); }
 *   }
 *   final double factor;
 *   Scale(double factor) { this.factor = factor; }
 *   public Config config() { return new Config(factor); }
 *   protected Tensor forward(Tensor x) { return x.mul(factor); }
 * }
 * Models.save(model, dir);                     // "type": "Scale", "factor": 2.0
 * var again = Models.load(dir, Scale.class);   // your classes by name, as Keras' custom_objects
 * }</pre>
 *
 * The file names a layer by its class's simple name; loading finds built-in layers by that name and
 * yours among the classes you pass, never by loading a class the file names elsewhere.
 *
 * @param <C> the record that {@link #config()} returns; loading builds it from the file's fields
 */
public interface Saveable<C extends Record & LayerConfig> {
  /** This layer's configuration: what rebuilds it, without its weights. */
  C config();
}
