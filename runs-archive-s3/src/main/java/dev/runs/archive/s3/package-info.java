/**
 * The {@code s3:} archive: {@link dev.runs.archive.s3.S3ArchiveStoreProvider} keeps archived runs
 * in an S3 bucket, on AWS or on any server that speaks the S3 protocol. Open it with {@link
 * dev.runs.ArchiveStores#open(String)} and a URI such as {@code
 * s3://bucket/prefix?region=eu-west-1}.
 */
@NullMarked
package dev.runs.archive.s3;

import org.jspecify.annotations.NullMarked;
