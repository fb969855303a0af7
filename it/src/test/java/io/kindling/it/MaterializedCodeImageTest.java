package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.manifest.StoredChunk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * The fallback, forced by configuration: the worker materializes each image from its chunks into
 * {@code <data>/chunks/materialized/<sha256>} and sandboxes bind that directory, as on a host without FUSE or loop
 * devices. The whole image is read and verified before anything runs.
 */
class MaterializedCodeImageTest extends CodeImageInvokeTests {
    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(
            // Made at the first invoke, not while activating: some tests change the store after the deploy.
            config -> config.withChunks(config.chunks().withMountImages(false))
                    .withWorker(config.worker().withoutMountAhead()));

    @Override
    ServerExtension server() {
        return SERVER;
    }

    @Override
    String madeAs() {
        return "materialized";
    }

    private Path tree(String sha256) {
        return dataDir().resolve("chunks/materialized").resolve(sha256);
    }

    /** The host's materialized tree itself: the sandbox's bootstrap is its file (a bind keeps inodes), not a copy. */
    @Override
    void assertVarTaskIsTheImage(String sha256, String varTask) throws IOException {
        assertThat(varTask).doesNotContain(" - erofs ").contains("/chunks/materialized/" + sha256 + " /var/task ");
        Object materialized = Files.getAttribute(tree(sha256).resolve("bootstrap"), "unix:ino");
        Object unpacked = Files.getAttribute(dataDir().resolve("code/unpacked").resolve(sha256).resolve("bootstrap"),
                "unix:ino");
        assertThat(varTask).contains("inode " + materialized + "\n").doesNotContain("inode " + unpacked + "\n");
    }

    /** Its tree, and anything half-made or half-removed of it. */
    @Override
    int hostTreesOf(String sha256) throws IOException {
        try (var entries = Files.list(dataDir().resolve("chunks/materialized"))) {
            List<String> names = entries.map(p -> p.getFileName().toString()).toList();
            assertThat(names).as("temporaries of " + sha256).noneMatch(name -> name.startsWith("." + sha256));
            return (int) names.stream().filter(sha256::equals).count();
        }
    }

    @Test
    void aCorruptChunkFailsTheInvokeWithAClearErrorAndNothingRuns() throws Exception {
        String sha256 = deploy("damaged", 3_000_000);
        List<StoredChunk> blob = storedChunks(manifest(sha256), "blob");
        assertThat(blob).hasSizeGreaterThan(2);
        // The last chunk holds the end of payload.bin: the bootstrap itself is whole, yet nothing may run.
        corrupt(blob.getLast());

        assertThatThrownBy(() -> server().lambda().invoke(r -> r.functionName("damaged")
                .payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOfSatisfying(LambdaException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .contains("the code image " + sha256 + " could not be materialized: a chunk of it is missing"
                                + " or corrupt"));
        assertThat(hostTreesOf(sha256)).as("no partial tree").isZero();
        assertThat(server().kindling().startedRequestIds("damaged")).as("nothing ran").isEmpty();
    }
}
