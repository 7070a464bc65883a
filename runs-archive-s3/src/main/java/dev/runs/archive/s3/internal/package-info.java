/**
 * The {@code s3:} archive's implementation: the URI's settings and the archive over the AWS SDK's
 * S3 client. Not API: types here change without notice.
 */
@NullMarked
package dev.runs.archive.s3.internal;

import org.jspecify.annotations.NullMarked;
