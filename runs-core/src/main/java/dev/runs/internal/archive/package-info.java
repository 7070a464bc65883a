/**
 * Archive implementation: the {@code dir:} archive, the run layout in an archive, and the sweep.
 * Not API: types here change without notice.
 */
@NullMarked
package dev.runs.internal.archive;

import org.jspecify.annotations.NullMarked;
