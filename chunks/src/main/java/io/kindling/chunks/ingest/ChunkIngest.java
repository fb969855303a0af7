package io.kindling.chunks.ingest;

import io.kindling.chunks.cdc.Chunk;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.EncryptedChunk;
import io.kindling.chunks.crypto.Salt;
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
import java.util.List;
import java.util.Map;

/**
 * Stores files as encrypted content-defined chunks: chunker → convergent encryption → origin, skipping
 * chunks the origin already holds, and describes each file as a {@link ManifestPart}.
 *
 * <p>Streams: memory is the chunker's window (max chunk size) plus one chunk's plaintext and ciphertext,
 * whatever the file's size; the manifest part grows by one small entry per chunk. A crash part-way leaves
 * whole chunks in the origin and no manifest; ingesting again stores only what is still missing.
 * Thread-safe; one ingest runs on its caller's thread.
 */
public final class ChunkIngest {

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
        List<ManifestPart> manifestParts = new ArrayList<>();
        IngestReport report = IngestReport.NONE;
        for (Map.Entry<String, Path> part : parts.entrySet()) {
            IngestedPart ingested = ingest(part.getKey(), part.getValue(), salt);
            manifestParts.add(ingested.part());
            report = report.plus(ingested.report());
        }
        return new IngestedImage(new Manifest(manifestParts), report);
    }

    public IngestedPart ingest(String partName, Path file, Salt salt) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ingest(partName, in, salt);
        }
    }

    /** Reads {@code in} to its end (without closing it). */
    public IngestedPart ingest(String partName, InputStream in, Salt salt) throws IOException {
        PartBuilder builder = new PartBuilder();
        chunker.split(in, chunk -> builder.add(chunk, salt));
        return new IngestedPart(new ManifestPart(partName, builder.size, builder.entries), builder.report());
    }

    /** One part's entries and counts as its chunks go by. */
    private final class PartBuilder {
        final List<ChunkEntry> entries = new ArrayList<>();
        long size;
        Tally unique = Tally.NONE;
        Tally reused = Tally.NONE;
        Tally zero = Tally.NONE;

        void add(Chunk chunk, Salt salt) throws IOException {
            if (ConvergentEncryption.isAllZero(chunk.bytes())) {
                entries.add(new ZeroChunk(chunk.offset(), chunk.length()));
                zero = zero.plusChunk(chunk.length());
            } else {
                EncryptedChunk encrypted = encryption.encrypt(chunk.bytes(), salt);
                if (origin.put(encrypted.ref().name(), encrypted.ciphertext())) {
                    unique = unique.plusChunk(chunk.length());
                } else {
                    reused = reused.plusChunk(chunk.length());
                }
                entries.add(new StoredChunk(chunk.offset(), chunk.length(), encrypted.ref()));
            }
            size += chunk.length();
        }

        IngestReport report() {
            return new IngestReport(unique.plus(reused).plus(zero), unique, reused, zero);
        }
    }
}
