package io.kindling.chunks.ingest;

import io.kindling.chunks.cdc.Chunk;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.EncryptedChunk;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.gc.ChunkPins;
import io.kindling.chunks.manifest.ChunkEntry;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestPart;
import io.kindling.chunks.manifest.StoredChunk;
import io.kindling.chunks.manifest.ZeroChunk;
import io.kindling.chunks.origin.OriginStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stores files as encrypted content-defined chunks: chunker → convergent encryption → origin, skipping
 * chunks the origin already holds, and describes each file as a {@link ManifestPart}.
 *
 * <p>Streams: memory is the chunker's window (max chunk size), one chunk's plaintext, and the
 * ciphertexts of at most {@link #PUTS_IN_FLIGHT} chunks being stored, whatever the file's size; the
 * manifest part grows by one small entry per chunk (and a name per distinct chunk while it runs).
 * A crash part-way leaves whole chunks in the origin and no manifest; ingesting again stores only what
 * is still missing.
 * Thread-safe; one ingest chunks and encrypts on its caller's thread and stores on up to
 * {@link #PUTS_IN_FLIGHT} virtual threads.
 *
 * <p>Where a garbage collector sweeps the origin, the caller passes a {@link ChunkPins.Holder}: every
 * chunk is pinned before its put looks for it, and the caller closes the holder once the manifest is
 * durable, so no chunk the manifest names, new or reused, is swept in between. The methods without one
 * are for an origin nothing sweeps (tests, benchmarks).
 */
public final class ChunkIngest {

    /** Puts in flight per ingest: enough to overlap fsyncs (or S3 round trips), few enough to bound memory. */
    static final int PUTS_IN_FLIGHT = 8;

    private final FastCdc chunker;
    private final ConvergentEncryption encryption;
    private final OriginStore origin;

    public ChunkIngest(FastCdc chunker, ConvergentEncryption encryption, OriginStore origin) {
        this.chunker = chunker;
        this.encryption = encryption;
        this.origin = origin;
    }

    /** Every part of one image, in the map's order, under one salt so the image is in one epoch. */
    public IngestedImage ingestImage(Map<String, Path> parts, Salt salt) throws IOException {
        return ingestImage(parts, salt, unswept());
    }

    /** As {@link #ingestImage(Map, Salt)}, pinning every chunk in {@code pins}; close it once the manifest is durable. */
    public IngestedImage ingestImage(Map<String, Path> parts, Salt salt, ChunkPins.Holder pins) throws IOException {
        List<ManifestPart> manifestParts = new ArrayList<>();
        IngestReport report = IngestReport.NONE;
        for (Map.Entry<String, Path> part : parts.entrySet()) {
            IngestedPart ingested = ingest(part.getKey(), part.getValue(), salt, pins);
            manifestParts.add(ingested.part());
            report = report.plus(ingested.report());
        }
        return new IngestedImage(new Manifest(manifestParts), report);
    }

    public IngestedPart ingest(String partName, Path file, Salt salt) throws IOException {
        return ingest(partName, file, salt, unswept());
    }

    public IngestedPart ingest(String partName, Path file, Salt salt, ChunkPins.Holder pins) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ingest(partName, in, salt, pins);
        }
    }

    public IngestedPart ingest(String partName, InputStream in, Salt salt) throws IOException {
        return ingest(partName, in, salt, unswept());
    }

    /**
     * Reads {@code in} to its end (without closing it). Returns once every chunk is durable in the origin,
     * so a manifest made from the result never names a chunk that is not there; and pins each chunk in
     * {@code pins} before its put, so a sweep cannot take it before that manifest is durable.
     */
    public IngestedPart ingest(String partName, InputStream in, Salt salt, ChunkPins.Holder pins) throws IOException {
        PartBuilder builder = new PartBuilder();
        try (ParallelPuts puts = new ParallelPuts(origin, PUTS_IN_FLIGHT)) {
            chunker.split(in, chunk -> builder.add(chunk, salt, puts, pins));
        }
        return new IngestedPart(new ManifestPart(partName, builder.size, builder.entries), builder.report());
    }

    /** Pins of a table no collector ever sweeps: for an origin nothing collects. */
    private static ChunkPins.Holder unswept() {
        return new ChunkPins().holder();
    }

    /** One part's entries and counts as its chunks go by. */
    private final class PartBuilder {
        final List<ChunkEntry> entries = new ArrayList<>();
        /** Names already handed to the origin by this ingest: a repeat is reused without a second put. */
        final Set<Digest256> submitted = new HashSet<>();
        long size;
        Tally unique = Tally.NONE;
        Tally reused = Tally.NONE;
        Tally zero = Tally.NONE;

        void add(Chunk chunk, Salt salt, ParallelPuts puts, ChunkPins.Holder pins) throws IOException {
            if (ConvergentEncryption.isAllZero(chunk.bytes())) {
                entries.add(new ZeroChunk(chunk.offset(), chunk.length()));
                zero = zero.plusChunk(chunk.length());
            } else {
                EncryptedChunk encrypted = encryption.encrypt(chunk.bytes(), salt);
                Digest256 name = encrypted.ref().name();
                if (submitted.add(name)) {
                    pins.pin(name); // before the put's look for it: see ChunkPins
                    puts.submit(name, encrypted.ciphertext(), chunk.length(), this::counted);
                } else {
                    counted(false, chunk.length());
                }
                entries.add(new StoredChunk(chunk.offset(), chunk.length(), encrypted.ref()));
            }
            size += chunk.length();
        }

        private synchronized void counted(boolean newlyStored, int length) {
            if (newlyStored) {
                unique = unique.plusChunk(length);
            } else {
                reused = reused.plusChunk(length);
            }
        }

        synchronized IngestReport report() {
            return new IngestReport(unique.plus(reused).plus(zero), unique, reused, zero);
        }
    }
}
