/**
 * Test support: {@link dev.runs.testkit.RunStoreContract}, the conformance suite every store's
 * tests extend, and {@link dev.runs.testkit.RunAssertions} for host applications asserting on runs.
 */
@NullMarked
package dev.runs.testkit;

import org.jspecify.annotations.NullMarked;
