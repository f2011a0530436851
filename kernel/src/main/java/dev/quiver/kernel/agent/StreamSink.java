package dev.quiver.kernel.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.display.DisplaySink;
import dev.quiver.display.MimeBundle;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * The display sink of the JVM that runs cells: each call becomes one frame (4-byte big-endian
 * length, then JSON) on the {@code display} stream to the kernel, which publishes it on IOPub.
 */
final class StreamSink implements DisplaySink {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final DataOutputStream out;

    StreamSink(OutputStream out) {
        this.out = new DataOutputStream(out);
    }

    @Override
    public void display(MimeBundle bundle, String displayIdOrNull) {
        send("display", bundle, displayIdOrNull, false);
    }

    @Override
    public void update(MimeBundle bundle, String displayId) {
        send("update", bundle, displayId, false);
    }

    @Override
    public void clear(boolean wait) {
        send("clear", null, null, wait);
    }

    private void send(String op, MimeBundle bundle, String id, boolean wait) {
        var m = new LinkedHashMap<String, Object>();
        m.put("op", op);
        if (bundle != null) {
            m.put("data", bundle.data());
            m.put("metadata", bundle.metadata());
        }
        if (id != null) {
            m.put("id", id);
        }
        m.put("wait", wait);
        byte[] json;
        try {
            json = JSON.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write a display message as JSON", e);
        }
        // Text printed before this call must reach the notebook before it.
        System.out.flush();
        System.err.flush();
        synchronized (this) {
            try {
                var frame = new byte[4 + json.length];
                frame[0] = (byte) (json.length >>> 24);
                frame[1] = (byte) (json.length >>> 16);
                frame[2] = (byte) (json.length >>> 8);
                frame[3] = (byte) json.length;
                System.arraycopy(json, 0, frame, 4, json.length);
                out.write(frame);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("the kernel connection is gone", e);
            }
        }
    }
}
