/**
 * Runs that move: bundles (export, import, verification), the archive layout and the archiver's
 * sweep, reads of archived runs, deletion with tombstones and the store's audit log. <b>Not
 * API.</b>
 */
@NullMarked
package dev.runs.internal.move;

import org.jspecify.annotations.NullMarked;
