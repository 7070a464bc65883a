package dev.runs.internal.move;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The event lines of a first export pass, held in memory up to a limit, so a run that fits is
 * written after its header from memory instead of being read from the store a second time. Bytes
 * are kept in blocks of {@value #BLOCK} (no copying as it grows); past {@code limit} the blocks are
 * let go and further bytes are ignored ({@link #overflowed()}). Not thread-safe.
 */
final class HeldLines extends OutputStream {
  /** Bytes per held block. */
  static final int BLOCK = 64 << 10;

  /** Lines held at most per export: runs up to this size are read from the store once. */
  static final int DEFAULT_LIMIT = 8 << 20;

  private final long limit;
  private final List<byte[]> blocks = new ArrayList<>();
  private int inLast = BLOCK;
  private long size;
  private boolean overflowed;

  /**
   * @param limit the most bytes held
   */
  HeldLines(long limit) {
    this.limit = limit;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (overflowed) {
      return;
    }
    if (size + len > limit) {
      overflowed = true;
      blocks.clear();
      return;
    }
    size += len;
    while (len > 0) {
      if (inLast == BLOCK) {
        blocks.add(new byte[BLOCK]);
        inLast = 0;
      }
      int n = Math.min(len, BLOCK - inLast);
      System.arraycopy(b, off, blocks.get(blocks.size() - 1), inLast, n);
      inLast += n;
      off += n;
      len -= n;
    }
  }

  /**
   * @return whether more than the limit was written, so nothing is held
   */
  boolean overflowed() {
    return overflowed;
  }

  /**
   * Writes what is held.
   *
   * @param out where to
   * @throws IllegalStateException when it overflowed
   */
  void writeTo(OutputStream out) throws IOException {
    if (overflowed) {
      throw new IllegalStateException("the lines overflowed " + limit + " bytes");
    }
    for (int i = 0; i < blocks.size(); i++) {
      out.write(blocks.get(i), 0, i == blocks.size() - 1 ? inLast : BLOCK);
    }
  }
}
