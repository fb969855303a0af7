package io.kindling.wire;

/** FunctionConfiguration's {@code ImageConfigResponse}: the function's ImageConfig as set. */
public record ImageConfigResponse(ImageConfig imageConfig) {}
