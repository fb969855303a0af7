package io.kindling.chunks.origin;

import io.kindling.chunks.crypto.Digest256;
import java.time.Instant;

/** A chunk as the origin lists it. */
public record StoredObject(Digest256 name, long size, Instant storedAt) {}
