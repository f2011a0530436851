package dev.quiver.kernel.jshell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.display.MimeBundle;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the display frames the agent's sink writes (length, JSON) and hands them on. */
final class DisplayChannel extends OutputStream {

    interface Listener {
        void display(MimeBundle bundle, String id, boolean update);

        void clear(boolean wait);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Listener listener;

    DisplayChannel(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        buffer.write(b, off, len);
        byte[] all = buffer.toByteArray();
        int at = 0;
        while (all.length - at >= 4) {
            int n = (all[at] & 0xFF) << 24 | (all[at + 1] & 0xFF) << 16 | (all[at + 2] & 0xFF) << 8 | (all[at + 3] & 0xFF);
            if (all.length - at - 4 < n) {
                break;
            }
            deliver(all, at + 4, n);
            at += 4 + n;
        }
        buffer.reset();
        buffer.write(all, at, all.length - at);
    }

    private void deliver(byte[] bytes, int off, int len) {
        try {
            JsonNode m = JSON.readTree(bytes, off, len);
            switch (m.path("op").asText()) {
                case "clear" -> listener.clear(m.path("wait").asBoolean());
                case "display", "update" -> listener.display(bundle(m), m.hasNonNull("id") ? m.get("id").asText() : null,
                        m.path("op").asText().equals("update"));
                default -> System.err.println("quiver kernel: unknown display message " + m.path("op"));
            }
        } catch (Exception e) {
            System.err.println("quiver kernel: bad display message from the cell JVM: " + e);
        }
    }

    @SuppressWarnings("unchecked")
    static MimeBundle bundle(JsonNode m) {
        Map<String, String> data = new LinkedHashMap<>();
        m.path("data").properties().forEach(e -> data.put(e.getKey(), e.getValue().asText()));
        Map<String, Object> metadata = JSON.convertValue(m.path("metadata"), LinkedHashMap.class);
        return new MimeBundle(data, metadata == null ? Map.of() : metadata);
    }
}
