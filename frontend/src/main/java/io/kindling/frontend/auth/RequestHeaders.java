package io.kindling.frontend.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request's headers as SigV4 needs them: names case-insensitive, and every value of a repeated
 * header kept in arrival order, because the signature covers repeated headers as one comma-joined
 * line and reordering them would break it.
 *
 * @param valuesByName values per lower-cased header name; each list holds at least one value
 */
public record RequestHeaders(Map<String, List<String>> valuesByName) {
    public RequestHeaders {
        Map<String, List<String>> merged = new LinkedHashMap<>();
        valuesByName.forEach((name, values) -> {
            if (!values.isEmpty()) {
                merged.computeIfAbsent(lowerCase(name), n -> new ArrayList<>()).addAll(values);
            }
        });
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        merged.forEach((name, values) -> frozen.put(name, List.copyOf(values)));
        valuesByName = Collections.unmodifiableMap(frozen);
    }

    /** Headers from any map of name to values; names that differ only in case are merged. */
    public static RequestHeaders of(Map<String, ? extends Collection<String>> headers) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((name, values) -> copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        return new RequestHeaders(copy);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every value of the header, in arrival order; empty if the request does not carry it. */
    public List<String> all(String name) {
        return valuesByName.getOrDefault(lowerCase(name), List.of());
    }

    /** The first value of the header, if the request carries it. */
    public Optional<String> first(String name) {
        List<String> values = all(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    public boolean contains(String name) {
        return valuesByName.containsKey(lowerCase(name));
    }

    private static String lowerCase(String name) {
        return Objects.requireNonNull(name, "header name").toLowerCase(Locale.ROOT);
    }

    /** Collects headers one line at a time, the way they come off the wire. */
    public static final class Builder {
        private final Map<String, List<String>> values = new LinkedHashMap<>();

        private Builder() {}

        public Builder add(String name, String value) {
            Objects.requireNonNull(value, "header value");
            values.computeIfAbsent(lowerCase(name), n -> new ArrayList<>()).add(value);
            return this;
        }

        public RequestHeaders build() {
            return new RequestHeaders(values);
        }
    }
}
