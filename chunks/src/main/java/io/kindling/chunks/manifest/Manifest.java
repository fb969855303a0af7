package io.kindling.chunks.manifest;

import io.kindling.chunks.crypto.Digest256;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The chunks of one image, part by part. Part names are unique. */
public record Manifest(List<ManifestPart> parts) {

    public Manifest {
        parts = List.copyOf(parts);
        Set<String> names = new HashSet<>();
        for (ManifestPart part : parts) {
            if (!names.add(part.name())) {
                throw new IllegalArgumentException("two parts named " + part.name());
            }
        }
    }

    public Optional<ManifestPart> part(String name) {
        return parts.stream().filter(part -> part.name().equals(name)).findFirst();
    }

    /** Every chunk name the image needs: what garbage collection must keep. */
    public Set<Digest256> chunkNames() {
        Set<Digest256> names = new HashSet<>();
        for (ManifestPart part : parts) {
            for (ChunkEntry chunk : part.chunks()) {
                if (chunk instanceof StoredChunk stored) {
                    names.add(stored.ref().name());
                }
            }
        }
        return names;
    }
}
