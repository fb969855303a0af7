package io.kindling.chunks.manifest;

import io.kindling.chunks.crypto.ChunkKey;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.Digest256;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Manifests with made-up chunk references, for tests that never touch chunk bytes. */
final class ManifestTestData {

    private ManifestTestData() {}

    /** A part of the given chunk lengths; a negative length is a zero chunk of that many bytes. */
    static ManifestPart part(String name, Random random, int... lengths) {
        List<ChunkEntry> chunks = new ArrayList<>();
        long offset = 0;
        for (int length : lengths) {
            ChunkEntry chunk = length < 0 ? new ZeroChunk(offset, -length)
                    : new StoredChunk(offset, length, new ChunkRef(
                            new Digest256(bytes(random)), new Digest256(bytes(random)), new ChunkKey(bytes(random))));
            chunks.add(chunk);
            offset = chunk.end();
        }
        return new ManifestPart(name, offset, chunks);
    }

    static Manifest manifest(long seed) {
        Random random = new Random(seed);
        return new Manifest(List.of(
                part("meta", random, 4096, 131072),
                part("blob", random, 524288, -524288, 700000, 131072, 2097152, 12345),
                part("empty", random)));
    }

    private static byte[] bytes(Random random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return bytes;
    }
}
