package dev.quiver.runtime.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registers the simulated device before any test class runs, so that the device suite ({@code
 * -Dquiver.device=cuda:99}) finds its backend. Loaded by JUnit's extension auto-detection (see
 * {@code junit-platform.properties}).
 */
public final class SimulatedDeviceExtension implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    SimulatedDevice.install();
  }
}
