package io.kindling.wire;

public record ListTagsResponse(java.util.Map<String, String> tags) {}
