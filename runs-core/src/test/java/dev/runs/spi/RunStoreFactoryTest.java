package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunStore;
import dev.runs.StoreIoException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class RunStoreFactoryTest {
  @Test
  void open_wrapsTheOpenedEngine_andClosingTheStoreClosesIt() {
    AtomicInteger closes = new AtomicInteger();
    RunStore store =
        RunStoreFactory.open(StoreLocation.parse("memory:"), l -> engine(closes, null));
    assertThat(store.location()).isEqualTo("memory:");
    store.close();
    assertThat(closes).hasValue(1);
  }

  @Test
  void open_wrappingFails_closesTheEngineAndRethrows() {
    AtomicInteger closes = new AtomicInteger();
    StoreIoException failure = new StoreIoException("lanes unknown");
    assertThatThrownBy(
            () ->
                RunStoreFactory.open(StoreLocation.parse("memory:"), l -> engine(closes, failure)))
        .isSameAs(failure);
    assertThat(closes).hasValue(1);
  }

  @Test
  void open_openerFails_propagatesItsFailure() {
    assertThatThrownBy(
            () ->
                RunStoreFactory.open(
                    StoreLocation.parse("memory:"),
                    l -> {
                      throw new StoreIoException("no medium");
                    }))
        .isInstanceOf(StoreIoException.class)
        .hasMessage("no medium");
  }

  /** An engine that only opens and closes; throws {@code failure} when asked for its lanes. */
  private static StorageEngine engine(AtomicInteger closes, RuntimeException failure) {
    return (StorageEngine)
        Proxy.newProxyInstance(
            StorageEngine.class.getClassLoader(),
            new Class<?>[] {StorageEngine.class},
            (proxy, method, args) -> {
              return switch (method.getName()) {
                case "preferredCommitLanes" -> {
                  if (failure != null) {
                    throw failure;
                  }
                  yield 1;
                }
                case "allowsCommitOnCallerThread", "commitsRunsIndependently" -> false;
                case "watchExternalChanges" -> null;
                case "close" -> {
                  closes.incrementAndGet();
                  yield null;
                }
                case "describe", "toString" -> "test engine";
                default -> throw new UnsupportedOperationException(method.getName());
              };
            });
  }
}
