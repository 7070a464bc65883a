package dev.runs.archive.s3.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * An object's content as {@link S3ArchiveStore#open} returns it: the SDK's response stream, whose
 * failures (a dropped connection, a read timeout, a checksum that does not match at the end) become
 * {@link IOException}s whose message names the archive and the key. A stream that ends before the
 * response's Content-Length (a connection closed midway without an error) fails the same way
 * instead of passing for the whole object. Closing it before the end aborts the connection rather
 * than reading the rest of the object.
 */
final class ObjectStream extends FilterInputStream {
  private final ResponseInputStream<?> response;
  private final String what;
  private final long length;
  private long read;
  private boolean ended;

  /**
   * @param response the SDK's stream
   * @param what e.g. {@code archive s3://bucket/prefix: reading a/b.json}
   * @param length the response's Content-Length, or -1 when it has none
   */
  ObjectStream(ResponseInputStream<?> response, String what, long length) {
    super(response);
    this.response = response;
    this.what = what;
    this.length = length;
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = super.read();
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
    counted(b < 0 ? -1 : 1);
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n;
    try {
      n = super.read(b, off, len);
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
    counted(n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      long skipped = super.skip(n);
      read += skipped;
      return skipped;
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public int available() throws IOException {
    try {
      return super.available();
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public void close() throws IOException {
    if (!ended) {
      response.abort();
    }
    try {
      super.close();
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Counts what a read returned; at the end, checks the length. */
  private void counted(int n) throws IOException {
    if (n >= 0) {
      read += n;
      return;
    }
    ended = true;
    if (length >= 0 && read != length) {
      throw new IOException(
          what + " failed: the object ended after " + read + " of its " + length + " bytes");
    }
  }

  private IOException failed(Exception e) {
    return new IOException(what + " failed: " + e.getMessage(), e);
  }
}
