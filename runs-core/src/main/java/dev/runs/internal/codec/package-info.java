/**
 * The JSON forms of the API types, in one place: the event envelope ({@code EventJson}, behind
 * {@code EventCodec}), the run record ({@code run.json}), the stage manifest ({@code
 * manifest.json}), the budget of a config snapshot, and the conversion between records and JSON
 * used for payloads, summaries and host values ({@code RecordJson}). <b>Not API.</b>
 *
 * <p>One approach: the API types' {@code toJson}/{@code fromJson} methods are static entry points
 * that delegate here, and no API type builds JSON itself. Stored formats whose text is hashed or
 * shared with other versions are written field by field; bodies whose JSON is their record
 * components (the typed payloads, summaries, host records) go through {@code RecordJson}. Classes
 * here may use the API's public types; the API reaches them only through those entry points.
 */
@NullMarked
package dev.runs.internal.codec;

import org.jspecify.annotations.NullMarked;
