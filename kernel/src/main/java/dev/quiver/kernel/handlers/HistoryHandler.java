package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.wire.Message;
import java.util.List;

/** {@code history_request}: the tail, a range of a session, or a search of the cells run. */
final class HistoryHandler implements RequestHandler {

  private final History history;

  HistoryHandler(History history) {
    this.history = history;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var c = m.content();
    List<History.Entry> entries =
        switch (c.path("hist_access_type").asText("tail")) {
          case "range" ->
              history.range(
                  c.path("session").asInt(0), c.path("start").asInt(0), c.path("stop").asInt(0));
          case "search" ->
              history.search(
                  c.path("pattern").asText("*"),
                  c.path("n").asInt(0),
                  c.path("unique").asBoolean(false));
          default -> history.tail(c.path("n").asInt(10));
        };
    var r = Replies.ok();
    var list = r.putArray("history");
    boolean output = c.path("output").asBoolean(false);
    for (var e : entries) {
      var row = list.addArray().add(e.session()).add(e.line());
      if (output) {
        row.addArray().add(e.source()).addNull();
      } else {
        row.add(e.source());
      }
    }
    return r;
  }
}
