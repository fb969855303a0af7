package io.kindling.wire;

/** Where the record of an asynchronous invocation goes; both members are always present in responses. */
public record DestinationConfig(Destination onSuccess, Destination onFailure) {}
