/**
 * The archive that ships with the core: {@link dev.runs.archive.DirArchiveStoreProvider}, for
 * {@code dir:} URIs. Open archives with {@link dev.runs.ArchiveStores}.
 */
@NullMarked
package dev.runs.archive;

import org.jspecify.annotations.NullMarked;
