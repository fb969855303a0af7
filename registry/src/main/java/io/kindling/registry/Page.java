package io.kindling.registry;

import java.util.List;
import java.util.Optional;

/** One page of a listing; {@code nextMarker} is opaque to callers and present when more follow. */
public record Page<T>(List<T> items, Optional<String> nextMarker) {
    public Page {
        items = List.copyOf(items);
    }
}
