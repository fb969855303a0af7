package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.manifest.ManifestCorruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The activation's image step: build, ingest, seal, keep; repeatable after a crash. */
class CodeImageStoreTest {
    private static final String SHA = HexFormat.of().formatHex(new byte[32]).replace('0', 'a');
    private static final String OTHER_SHA = SHA.replace('a', 'b');

    @TempDir
    Path dir;

    private Path tree() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("bootstrap"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(tree.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.write(tree.resolve("data.bin"), new byte[300_000]);
        return tree;
    }

    @Test
    void aStoredImageHasADurableSealedManifestAndLeavesNoScratch() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        CodeImageStore store = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        assertThat(store.hasImage(SHA)).isFalse();

        CodeImageStore.StoredImage stored = store.store(SHA, tree());

        assertThat(store.hasImage(SHA)).isTrue();
        assertThat(store.manifest(SHA)).contains(stored.manifest());
        assertThat(stored.report().total().bytes()).isEqualTo(stored.manifest().parts().stream()
                .mapToLong(p -> p.size()).sum());
        assertThat(Files.getPosixFilePermissions(data.resolve("master.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var scratch = Files.list(data.resolve("chunks/scratch"))) {
            assertThat(scratch).isEmpty();
        }
    }

    @Test
    void storingAgainAfterACrashReusesEveryChunkAndGivesTheSameChunks() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        CodeImageStore first = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        CodeImageStore.StoredImage before = first.store(SHA, tree());
        // A crash after the chunks, before the manifest: the manifest is gone, a stray build is in scratch.
        Files.delete(first.manifestFile(SHA));
        Files.createDirectories(data.resolve("chunks/scratch/" + SHA + ".123"));

        CodeImageStore restarted = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        CodeImageStore.StoredImage after = restarted.store(SHA, tree());

        assertThat(after.report().unique().bytes()).isZero();
        assertThat(after.manifest()).isEqualTo(before.manifest());
        try (var scratch = Files.list(data.resolve("chunks/scratch"))) {
            assertThat(scratch).isEmpty();
        }
    }

    @Test
    void aStoredManifestIsNeverReplaced() throws Exception {
        // What a mounted image read must stay what is on disk, or collection would mark another image's chunks.
        Path data = Files.createDirectories(dir.resolve("data"));
        CodeImageStore store = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        CodeImageStore.StoredImage first = store.store(SHA, tree());
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("bootstrap"), "something else entirely");

        CodeImageStore.StoredImage second = store.store(SHA, other);

        assertThat(second.manifest()).isNotEqualTo(first.manifest());
        assertThat(store.manifest(SHA)).contains(first.manifest());
        try (var leftovers = Files.list(data.resolve("chunks/manifests"))) {
            assertThat(leftovers).containsExactly(store.manifestFile(SHA));
        }
    }

    @Test
    void aManifestIsOnlyValidForItsOwnPackage() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        CodeImageStore store = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        store.store(SHA, tree());
        Files.copy(store.manifestFile(SHA), store.manifestFile(OTHER_SHA));

        assertThatThrownBy(() -> store.manifest(OTHER_SHA)).isInstanceOf(ManifestCorruptException.class);
        assertThat(store.manifest(SHA.replace('a', 'c'))).isEmpty();
    }
}
