package dev.runs.archive.s3.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * An object's content as {@link S3ArchiveStore#open} returns it: the SDK's response stream, whose
 * failures (a dropped connection, a read timeout, a checksum that does not match at the end) become
 * {@link IOException}s whose message names the archive and the key. Closing it before the end
 * aborts the connection rather than reading the rest of the object.
 */
final class ObjectStream extends FilterInputStream {
  private final ResponseInputStream<?> response;
  private final String what;
  private boolean ended;

  /**
   * @param response the SDK's stream
   * @param what e.g. {@code archive s3://bucket/prefix: reading a/b.json}
   */
  ObjectStream(ResponseInputStream<?> response, String what) {
    super(response);
    this.response = response;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    try {
      int b = super.read();
      ended |= b < 0;
      return b;
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = super.read(b, off, len);
      ended |= n < 0;
      return n;
    } catch (IOException | RuntimeException e) {
      throw failed(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      return super.skip(n);
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

  private IOException failed(Exception e) {
    return new IOException(what + " failed: " + e.getMessage(), e);
  }
}
