package io.kindling.registry;

import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;

/** What a function has besides its versions: tags and reserved concurrency. */
public record FunctionRecord(String name, Instant createdAt, Map<String, String> tags, OptionalInt reservedConcurrency) {
    public FunctionRecord {
        tags = Map.copyOf(tags);
    }
}
