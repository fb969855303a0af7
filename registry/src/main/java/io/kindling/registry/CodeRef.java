package io.kindling.registry;

/** A version's code package: its SHA-256 (hex, as the code store names it) and size in bytes. */
public record CodeRef(String sha256Hex, long size) {}
