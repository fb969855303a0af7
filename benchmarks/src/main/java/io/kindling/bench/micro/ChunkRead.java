package io.kindling.bench.micro;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.EncryptedChunk;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import io.kindling.chunks.read.ChunkCache;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The worker's chunk read path for one 512 KiB chunk of random bytes: a hit in {@link ChunkCache}'s memory tier
 * (what most page faults of a warm image cost), and {@link ConvergentEncryption#decrypt}, the decrypt-and-verify
 * every chunk read from the disk tier or the origin goes through (SHA-256 of the ciphertext against its name,
 * AES-256-CTR, SHA-256 of the plaintext against the manifest). No file is read while measuring.
 */
@State(Scope.Thread)
public class ChunkRead {
    static final int CHUNK_BYTES = 512 * 1024;

    private final ConvergentEncryption encryption = new ConvergentEncryption();
    private final Map<ChunkRef, byte[]> plainMap = new ConcurrentHashMap<>();
    private Path originDir;
    private ChunkCache cache;
    private ChunkRef ref;
    private byte[] ciphertext;
    private byte[] plaintext;
    private MessageDigest sha256;

    @Setup
    public void setUp() throws Exception {
        SplittableRandom random = new SplittableRandom(17);
        plaintext = new byte[CHUNK_BYTES];
        random.nextBytes(plaintext);
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        EncryptedChunk chunk = encryption.encrypt(plaintext, new Salt(1, salt));
        ref = chunk.ref();
        ciphertext = chunk.ciphertext();
        originDir = Files.createTempDirectory("kindling-micro-chunks-");
        LocalDirectoryOrigin origin = new LocalDirectoryOrigin(originDir);
        origin.put(ref.name(), ciphertext);
        cache = new ChunkCache(origin, encryption, 4L * CHUNK_BYTES);
        cache.plaintext(ref); // from the origin, once: every measured read is a memory hit
        if (cache.stats().origin().hits() != 1 || !memoryHit().equals(ByteBuffer.wrap(plaintext))) {
            throw new IllegalStateException("the chunk did not come back from memory as it went in");
        }
        plainMap.put(ref, plaintext);
        sha256 = MessageDigest.getInstance("SHA-256");
    }

    @TearDown
    public void tearDown() throws Exception {
        FileTrees.deleteRecursively(originDir);
    }

    /** Kindling: the chunk's plaintext from the memory tier (a read-only view of the verified bytes). */
    @Benchmark
    public ByteBuffer memoryHit() throws Exception {
        return cache.plaintext(ref);
    }

    /** Baseline: a {@code ConcurrentHashMap.get} of the same reference. */
    @Benchmark
    public byte[] memoryHitBaseline() {
        return plainMap.get(ref);
    }

    /** Kindling: decrypt and verify the chunk's ciphertext, as after a disk or origin read. */
    @Benchmark
    public byte[] decryptVerify() throws ChunkCorruptException {
        return encryption.decrypt(ref, ciphertext);
    }

    /** Baseline: one SHA-256 of the chunk with the JDK's {@code MessageDigest}. */
    @Benchmark
    public byte[] sha256() {
        return sha256.digest(plaintext);
    }
}
