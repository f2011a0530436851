package dev.quiver.runtime.io;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * Checks a record batch's sizes against the file before Arrow allocates anything for it: a damaged
 * or hostile file can claim a body larger than itself, or rows and buffers outside the body.
 */
final class RecordBatchCheck {
  private RecordBatchCheck() {}

  static void check(SeekableByteChannel in, ArrowBlock block, String source)
      throws TensorFileException {
    String batch = source + ": its record batch";
    try {
      long size = in.size();
      long end = block.getOffset() + block.getMetadataLength() + block.getBodyLength();
      if (block.getOffset() < 0
          || block.getMetadataLength() < 0
          || block.getBodyLength() < 0
          || end < 0
          || end > size) {
        throw new TensorFileException(
            batch
                + " claims bytes "
                + block.getOffset()
                + " to "
                + end
                + " (metadata "
                + block.getMetadataLength()
                + ", body "
                + block.getBodyLength()
                + ") but the file has "
                + size
                + " bytes");
      }
      in.position(block.getOffset());
      var result = MessageSerializer.readMessage(new ReadChannel(new Unclosed(in)));
      if (result == null) {
        throw new TensorFileException(batch + " at byte " + block.getOffset() + " is missing");
      }
      Message message = result.getMessage();
      if (message.headerType() != MessageHeader.RecordBatch) {
        throw new TensorFileException(
            batch
                + " at byte "
                + block.getOffset()
                + " is a message of type "
                + message.headerType());
      }
      long body = message.bodyLength();
      if (body != block.getBodyLength()) {
        throw new TensorFileException(
            batch
                + " has a body of "
                + body
                + " bytes but the file's footer says "
                + block.getBodyLength());
      }
      var rb = (RecordBatch) message.header(new RecordBatch());
      checkCount(batch + " row count", rb.length());
      var node = new FieldNode();
      for (int i = 0; i < rb.nodesLength(); i++) {
        rb.nodes(node, i);
        checkCount(batch + " column node " + i + " length", node.length());
        checkCount(batch + " column node " + i + " null count", node.nullCount());
      }
      var buffer = new Buffer();
      for (int i = 0; i < rb.buffersLength(); i++) {
        rb.buffers(buffer, i);
        long from = buffer.offset();
        long to = from + buffer.length();
        if (from < 0 || buffer.length() < 0 || to < 0 || to > body) {
          throw new TensorFileException(
              batch
                  + ": buffer "
                  + i
                  + " spans bytes "
                  + from
                  + " to "
                  + to
                  + " of a body of "
                  + body
                  + " bytes");
        }
      }
    } catch (TensorFileException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new TensorFileException(batch + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static void checkCount(String what, long value) throws TensorFileException {
    if (value < 0 || value > Integer.MAX_VALUE) {
      throw new TensorFileException(
          what + " is " + value + "; Arrow Java reads 0 to " + Integer.MAX_VALUE);
    }
  }

  /** The caller owns the channel. */
  private record Unclosed(SeekableByteChannel channel)
      implements java.nio.channels.ReadableByteChannel {
    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
      return channel.read(dst);
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() {}
  }
}
