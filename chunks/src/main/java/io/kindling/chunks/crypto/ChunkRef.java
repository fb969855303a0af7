package io.kindling.chunks.crypto;

/**
 * What it takes to fetch one stored chunk and trust what comes back.
 *
 * @param name SHA-256 of the ciphertext: the chunk's address in the origin
 * @param plaintextHash SHA-256 of the plaintext, checked after decryption
 * @param key the AES-256-CTR key, HMAC-SHA-256(salt, plaintextHash)
 */
public record ChunkRef(Digest256 name, Digest256 plaintextHash, ChunkKey key) {}
