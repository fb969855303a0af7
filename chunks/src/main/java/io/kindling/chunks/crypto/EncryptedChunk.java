package io.kindling.chunks.crypto;

/** A chunk ready for the origin: its reference and its ciphertext, as long as the plaintext was. */
public record EncryptedChunk(ChunkRef ref, byte[] ciphertext) {}
