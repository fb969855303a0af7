package io.kindling.wire;

public record EphemeralStorageResponse(int size) {}
