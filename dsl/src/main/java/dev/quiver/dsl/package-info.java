/**
 * Quiver's model DSL: build a network from layers ({@link dev.quiver.dsl.Module}s), as a {@link
 * dev.quiver.dsl.Sequential} or a subclass of {@link dev.quiver.dsl.Model}; train it with {@code
 * fit}, measure it with {@code evaluate}, save it with {@code save}. Start at {@link
 * dev.quiver.dsl.Sequential}, whose documentation has the Iris example.
 */
package dev.quiver.dsl;
