package dev.quiver.display;

import java.util.ArrayList;
import java.util.List;

/** A sink that remembers every call, for tests; safe from many threads. */
final class RecordingSink implements DisplaySink {

  record Event(String kind, String text, String id) {}

  private final List<Event> events = new ArrayList<>();

  @Override
  public synchronized void display(MimeBundle bundle, String displayIdOrNull) {
    events.add(new Event("display", bundle.text(), displayIdOrNull));
  }

  @Override
  public synchronized void update(MimeBundle bundle, String displayId) {
    events.add(new Event("update", bundle.text(), displayId));
  }

  @Override
  public synchronized void clear(boolean wait) {
    events.add(new Event("clear", Boolean.toString(wait), null));
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }
}
