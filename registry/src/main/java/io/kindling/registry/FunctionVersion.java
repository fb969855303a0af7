package io.kindling.registry;

import java.time.Instant;

/**
 * One version of a function: {@code $LATEST} (number 0, changes in place) or a published
 * number (never changes after publishing).
 */
public record FunctionVersion(
        String functionName,
        long number,
        FunctionSettings settings,
        CodeRef code,
        String revisionId,
        Instant lastModified,
        VersionStatus status) {

    public static final String LATEST = "$LATEST";

    /** "$LATEST" or the decimal version number, as Lambda writes it. */
    public String version() {
        return number == 0 ? LATEST : Long.toString(number);
    }

    public boolean isLatest() {
        return number == 0;
    }
}
