package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Contents every handler builds replies from. */
final class Replies {

  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private Replies() {}

  static ObjectNode ok() {
    var r = JSON.objectNode();
    r.put("status", "ok");
    return r;
  }

  static ObjectNode error(String ename, String evalue) {
    var r = JSON.objectNode();
    r.put("status", "error");
    r.put("ename", ename);
    r.put("evalue", evalue);
    r.putArray("traceback");
    return r;
  }

  /** {@code execute_request} -> {@code execute_reply}; a type that is no request gets "error". */
  static String replyType(String request) {
    return request.endsWith("_request")
        ? request.substring(0, request.length() - "_request".length()) + "_reply"
        : "error";
  }
}
