package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.manifest.StoredChunk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The code path through the chunk store with images mounted (the default where the host can): the worker serves
 * /var/task from the image mounted under {@code <data>/mounts}, reading only the chunks a sandbox touches.
 */
class CodeImageTest extends CodeImageInvokeTests {
    @RegisterExtension
    // Mounted at the first invoke, not while activating: some tests change the store after the deploy.
    static final ServerExtension SERVER = new ServerExtension(config -> config.withWorker(
            config.worker().withoutMountAhead()));

    @Override
    ServerExtension server() {
        return SERVER;
    }

    @Override
    String madeAs() {
        return "mounted";
    }

    @Override
    void assertVarTaskIsTheImage(String sha256, String varTask) {
        assertThat(varTask).contains(" - erofs /dev/loop");
    }

    @Override
    int hostTreesOf(String sha256) throws IOException {
        String mountPoint = " " + dataDir().resolve("mounts/images").resolve(sha256) + " ";
        return (int) Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(mountPoint) && line.contains(" - erofs ")).count();
    }

    @Test
    void aCorruptChunkFailsTheReadInTheSandboxAndNothingElse() throws Exception {
        String sha256 = deploy("damaged", 3_000_000);
        List<StoredChunk> blob = storedChunks(manifest(sha256), "blob");
        assertThat(blob).hasSizeGreaterThan(2);
        // The last chunk holds the end of payload.bin; the bootstrap sits at the start of the blob.
        corrupt(blob.getLast());

        String answer = probe("damaged", "head -c 9 /var/task/bootstrap; echo; cat /var/task/payload.bin >/dev/null"
                + " && echo read || echo failed");

        assertThat(answer).startsWith("#!/bin/sh").contains("Input/output error").endsWith("failed\n");
    }
}
