package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

final class JdkTransportTest {

  @Test
  void drain_readsTheRestUpToTheBound_andSaysWhetherItReachedTheEnd() {
    int bound = (int) JdkTransport.DRAIN_MAX_BYTES;
    ByteArrayInputStream within = new ByteArrayInputStream(new byte[bound]);
    assertThat(JdkTransport.drain(within)).isTrue();
    assertThat(within.available()).isZero();

    ByteArrayInputStream beyond = new ByteArrayInputStream(new byte[bound + 10]);
    assertThat(JdkTransport.drain(beyond)).isFalse();
    assertThat(beyond.available()).isLessThan(10);

    assertThat(JdkTransport.drain(InputStream.nullInputStream())).isTrue();
  }

  @Test
  void drain_aBrokenBody_isNotDrained() {
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("connection reset");
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("connection reset");
          }
        };
    assertThat(JdkTransport.drain(broken)).isFalse();
  }
}
