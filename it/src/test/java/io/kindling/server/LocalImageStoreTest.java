package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.frontend.LocalImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local image store on its own: what it keeps, what it refuses, and what a crash leaves. */
class LocalImageStoreTest {
    @TempDir
    Path dir;

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(String text) {
        return BlobDigest.of(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void aBlobIsKeptOnlyWithItsDeclaredSizeAndDigest() throws Exception {
        LocalImageStore store = LocalImageStore.open(dir);
        List<Path> empty = files(store.root());

        assertThatThrownBy(() -> store.putBlob(digest("right"), 5, bytes("wrong")))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("not the " + digest("right"));
        assertThatThrownBy(() -> store.putBlob(digest("right"), 6, bytes("right")))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("Content-Length 6 but 5 bytes came");
        assertThatThrownBy(() -> store.putBlob(digest("right"), 4, bytes("right")))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("but more bytes came");
        assertThatThrownBy(() -> store.putBlob(digest("x"), LocalImageStore.MAX_BLOB_BYTES + 1, bytes("x")))
                .isInstanceOf(LocalImages.Rejected.class)
                .satisfies(e -> assertThat(((LocalImages.Rejected) e).why()).isEqualTo(LocalImages.Rejected.Why.TOO_LARGE));
        assertThatThrownBy(() -> store.putBlob("sha256:../../etc", 1, bytes("x")))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("Not a blob digest");
        assertThat(files(store.root())).as("nothing kept from refused uploads").isEqualTo(empty);

        store.putBlob(digest("right"), 5, bytes("right"));
        assertThat(store.hasBlob(digest("right"))).isTrue();
        assertThat(store.root().resolve("blobs/sha256").resolve(digest("right").substring(7))).hasContent("right");
    }

    @Test
    void aBodyThatBreaksOffIsReportedAsTheClientsAndLeavesNothing() throws Exception {
        LocalImageStore store = LocalImageStore.open(dir);
        List<Path> empty = files(store.root());
        InputStream breaking = new java.io.SequenceInputStream(bytes("righ"), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new java.io.EOFException("connection closed");
            }
        });

        assertThatThrownBy(() -> store.putBlob(digest("right"), 5, breaking))
                .isInstanceOf(LocalImages.UploadBroken.class).hasMessageContaining("broke off after 4 of 5 bytes");
        assertThat(files(store.root())).isEqualTo(empty);
    }

    @Test
    void aManifestIsTaggedOnlyWhenItsBlobsAreThereAndRetaggingMovesTheTag() throws Exception {
        LocalImageStore store = LocalImageStore.open(dir);
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}";
        String layer = "not really a tar";
        String manifest = manifest(config, layer);
        assertThatThrownBy(() -> store.putManifest("app", "v1", manifest.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining(digest(config))
                .hasMessageContaining(digest(layer));
        store.putBlob(digest(config), config.length(), bytes(config));
        store.putBlob(digest(layer), layer.length(), bytes(layer));

        var first = store.putManifest("app", "v1", manifest.getBytes(StandardCharsets.UTF_8));
        assertThat(first.imageUri()).isEqualTo("kindling.local/app@" + digest(manifest));
        assertThat(store.source().resolve(ImageReference.parse("kindling.local/app:v1"), Platform.LINUX_AMD64)
                .manifestDigest().toString()).isEqualTo(digest(manifest));

        String other = manifest(config, layer).replace("\"schemaVersion\":2", "\"schemaVersion\":2,\"annotations\":{}");
        store.putManifest("app", "v1", other.getBytes(StandardCharsets.UTF_8));
        assertThat(store.source().resolve(ImageReference.parse("kindling.local/app:v1"), Platform.LINUX_AMD64)
                .manifestDigest().toString()).isEqualTo(digest(other));
        assertThat(Files.readString(store.root().resolve("index.json"))).containsOnlyOnce("app:v1");
        assertThatThrownBy(() -> store.putManifest("App", "v1", other.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("repository");
        assertThatThrownBy(() -> store.putManifest("app", "v1", "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}"
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(LocalImages.Rejected.class).hasMessageContaining("mediaType");
    }

    @Test
    void whatAnInterruptedUploadLeftIsDeletedWhenTheStoreOpens() throws Exception {
        LocalImageStore store = LocalImageStore.open(dir);
        Path partial = Files.writeString(store.root().resolve("blobs/sha256/.abc.1234.partial"), "half");
        Path index = Files.writeString(store.root().resolve(".index.json.5678.partial"), "{");

        LocalImageStore reopened = LocalImageStore.open(dir);

        assertThat(partial).doesNotExist();
        assertThat(index).doesNotExist();
        assertThat(reopened.root().resolve("index.json")).hasContent("{\"schemaVersion\":2,\"manifests\":[]}");
    }

    private static String manifest(String config, String layer) {
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + digest(config) + "\",\"size\":"
                + config.length() + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                + digest(layer) + "\",\"size\":" + layer.length() + "}]}";
    }
}
