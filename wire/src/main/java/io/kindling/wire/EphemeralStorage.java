package io.kindling.wire;

public record EphemeralStorage(Integer size) {}
