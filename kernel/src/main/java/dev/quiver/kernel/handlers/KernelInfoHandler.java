package dev.quiver.kernel.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.kernel.Interpreter;
import dev.quiver.kernel.wire.Message;
import dev.quiver.kernel.wire.WireCodec;

/**
 * {@code kernel_info_request}: the protocol and implementation from here, the language from the
 * interpreter.
 */
final class KernelInfoHandler implements RequestHandler {

  static final String IMPLEMENTATION = "quiver";
  static final String IMPLEMENTATION_VERSION = "0.1.0";

  private final Interpreter interpreter;

  KernelInfoHandler(Interpreter interpreter) {
    this.interpreter = interpreter;
  }

  @Override
  public ObjectNode handle(Message m, Origin origin) {
    var info = interpreter.kernelInfo();
    var language = info.language();
    var r = Replies.ok();
    r.put("protocol_version", WireCodec.PROTOCOL_VERSION);
    r.put("implementation", IMPLEMENTATION);
    r.put("implementation_version", IMPLEMENTATION_VERSION);
    var lang = r.putObject("language_info");
    lang.put("name", language.name());
    lang.put("version", language.version());
    lang.put("mimetype", language.mimetype());
    lang.put("file_extension", language.fileExtension());
    lang.put("pygments_lexer", language.pygmentsLexer());
    lang.put("codemirror_mode", language.codemirrorMode());
    r.put("banner", info.banner());
    var links = r.putArray("help_links");
    for (var link : info.helpLinks()) {
      links.addObject().put("text", link.text()).put("url", link.url());
    }
    r.put("debugger", false);
    return r;
  }
}
