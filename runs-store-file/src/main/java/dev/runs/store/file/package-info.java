/**
 * The {@code file:} store: runs as a directory tree of plain files, one NDJSON event log per run
 * ({@code runs/<namespace>/<local-id>/events.ndjson}), an immutable {@code run.json}, and stage
 * attempts with hashed manifests, safe for several processes sharing the directory. Only {@link
 * dev.runs.store.file.FileRunStoreProvider} is public; the engine and its helpers are
 * package-private.
 */
@NullMarked
package dev.runs.store.file;

import org.jspecify.annotations.NullMarked;
