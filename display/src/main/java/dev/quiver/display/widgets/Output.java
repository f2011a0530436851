package dev.quiver.display.widgets;

/**
 * An area that shows what code prints and displays inside {@link #capture} (ipywidgets' Output):
 * the front end routes the output of the request being answered (the running cell, or the click or
 * slider move a callback answers) into this widget instead of the cell's output.
 */
public final class Output extends Widget {

  public Output() {
    super("OutputModel", "OutputView");
    set("msg_id", "");
  }

  /**
   * Runs {@code action}, its printed text and displays shown in this widget. Exceptions are printed
   * there too, not thrown. Outside a notebook it simply runs {@code action}.
   */
  public void capture(Runnable action) {
    boolean live = open();
    if (live) {
      System.out.flush();
      System.err.flush();
      set("msg_id", WidgetHost.PARENT);
    }
    try {
      action.run();
    } catch (RuntimeException e) {
      e.printStackTrace();
    } finally {
      if (live) {
        System.out.flush();
        System.err.flush();
        set("msg_id", "");
      }
    }
  }

  /** Clears what this widget shows. */
  public void clear() {
    capture(() -> dev.quiver.display.Display.clear());
  }

  @Override
  public String text() {
    return "Output()";
  }
}
