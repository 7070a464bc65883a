/**
 * The {@code runs} tool's commands and their helpers (tables, timelines, progress, workflow
 * loading). Not API: types here change without notice.
 */
@NullMarked
package dev.runs.cli.internal;

import org.jspecify.annotations.NullMarked;
