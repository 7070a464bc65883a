/**
 * Test support: {@link dev.runs.testkit.RunStoreContract}, the conformance suite every store's
 * tests extend, and {@link dev.runs.testkit.RunAssertions} for host applications asserting on runs.
 */
package dev.runs.testkit;
