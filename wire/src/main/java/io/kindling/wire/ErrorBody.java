package io.kindling.wire;

public record ErrorBody(String type, String message) {}
