/**
 * The metrics module's implementation: the JFR event types and the bounded tag values. Not API:
 * types here change without notice.
 */
@NullMarked
package dev.runs.micrometer.internal;

import org.jspecify.annotations.NullMarked;
