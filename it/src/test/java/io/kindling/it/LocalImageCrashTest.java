package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.oci.registry.BlobDigest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/** A server killed with SIGKILL in the middle of a blob upload keeps no part of it, and takes the upload again. */
class LocalImageCrashTest {
    private static final String BLOBS = "/kindling/2026-11-27/images/blobs/sha256%3A";

    @TempDir
    Path dir;

    @Test
    void aBlobHalfUploadedWhenTheServerIsKilledLeavesNothingAndIsUploadedAgain() throws Exception {
        byte[] blob = new byte[4 << 20];
        new Random(6).nextBytes(blob);
        BlobDigest digest = BlobDigest.of(blob);
        CountDownLatch never = new CountDownLatch(1);
        Path blobs = dir.resolve("data/images/blobs/sha256");
        CompletableFuture<HttpResponse<String>> upload;
        try (ChildServer first = ChildServer.start(dir, "first")) {
            AuthSigning signing = new AuthSigning("http://127.0.0.1:" + first.port);
            SdkHttpRequest put = signing.sign(signing.request(SdkHttpMethod.PUT, BLOBS + digest.hex()), blob);
            // Half the blob, then nothing: the server is writing it when it is killed.
            InputStream half = new SequenceInputStream(new ByteArrayInputStream(blob, 0, blob.length / 2), new InputStream() {
                @Override
                public int read() throws IOException {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("the test is over");
                }
            });
            upload = AuthSigning.sendAsync(put, HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> half), blob.length));
            await().atMost(Duration.ofSeconds(30)).until(() -> partials(blobs).stream()
                    .anyMatch(file -> file.toFile().length() >= blob.length / 4));

            first.kill9();
        } finally {
            never.countDown();
        }
        assertThat(partials(blobs)).as("what the killed upload left").isNotEmpty();

        try (ChildServer second = ChildServer.start(dir, "second")) {
            assertThat(partials(blobs)).as("deleted when the store opened").isEmpty();
            assertThat(blobs.resolve(digest.hex())).doesNotExist();
            AuthSigning signing = new AuthSigning("http://127.0.0.1:" + second.port);
            SdkHttpRequest head = signing.sign(signing.request(SdkHttpMethod.HEAD, BLOBS + digest.hex()), new byte[0]);
            assertThat(AuthSigning.send(head).statusCode()).isEqualTo(404);

            HttpResponse<String> again = AuthSigning.send(signing.sign(signing.request(SdkHttpMethod.PUT,
                    BLOBS + digest.hex()), blob), blob);

            assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
            assertThat(blobs.resolve(digest.hex())).hasBinaryContent(blob);
            assertThat(AuthSigning.send(head).statusCode()).isEqualTo(200);
        }
        assertThat(upload).isCompletedExceptionally();
    }

    private static List<Path> partials(Path blobs) throws IOException {
        try (Stream<Path> files = Files.list(blobs)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".partial")).toList();
        }
    }
}
