package dev.runs.testkit;

import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What every group of the {@link RunStoreContract} shares: the contract's store, clock, hooks and
 * helpers, seen from a group. Each group is an abstract subclass in its own file ({@code
 * RunStoreAppendingKit} and so on) that a {@code @Nested} inner class of the contract binds to the
 * contract instance, so that JUnit runs it with the store the contract opened for the test.
 *
 * <p>The store and clock are read from the contract on every call: a test that reopens the store
 * sees the new one.
 */
abstract class RunStoreKit {
  private final RunStoreContract contract;

  /**
   * @param contract the contract whose store the group's tests run on
   */
  RunStoreKit(RunStoreContract contract) {
    this.contract = contract;
  }

  /**
   * @return the store under test, opened before each test and closed after
   */
  RunStore store() {
    return contract.store;
  }

  /**
   * Puts another store under test; the contract closes it after the test.
   *
   * @param next the store, usually {@link #newStore} on {@link #dir()}
   */
  void useStore(RunStore next) {
    contract.store = next;
  }

  /**
   * @return the clock the store runs on
   */
  TestClock clock() {
    return contract.clock;
  }

  /**
   * @return the store's temporary directory
   */
  Path dir() {
    return contract.dir;
  }

  /**
   * @see RunStoreContract#newStore
   */
  RunStore newStore(Path dir, RunStoreOptions options) {
    return contract.newStore(dir, options);
  }

  /**
   * @see RunStoreContract#isDurable
   */
  boolean isDurable() {
    return contract.isDurable();
  }

  /**
   * @see RunStoreContract#rawBytes
   */
  Optional<byte[]> rawBytes() {
    return contract.rawBytes();
  }

  /**
   * @see RunStoreContract#tamper
   */
  boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    return contract.tamper(id, sequence, edit);
  }

  /**
   * @see RunStoreContract#options
   */
  RunStoreOptions options() {
    return contract.options();
  }

  /**
   * @see RunStoreContract#reopen
   */
  void reopen() {
    contract.reopen();
  }

  /**
   * @see RunStoreContract#record
   */
  RunRecord record() {
    return contract.record();
  }

  /**
   * @see RunStoreContract#recordBuilder
   */
  RunRecord.Builder recordBuilder() {
    return contract.recordBuilder();
  }

  /**
   * @see RunStoreContract#createRun
   */
  RunId createRun() {
    return contract.createRun();
  }

  /**
   * @see RunStoreContract#startedRun
   */
  RunId startedRun() {
    return contract.startedRun();
  }

  /**
   * @see RunStoreContract#line
   */
  static EventDraft line(int n) {
    return RunStoreContract.line(n);
  }

  /**
   * @see RunStoreContract#all
   */
  static List<RunEvent> all(RunStore store, RunId id) {
    return RunStoreContract.all(store, id);
  }
}
