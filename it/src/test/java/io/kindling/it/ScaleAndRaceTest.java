package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** Pagination over 1,000 functions, and concurrent updates of one function. */
class ScaleAndRaceTest extends ServerTest {

    @Test
    void listFunctionsPagesThroughAThousandFunctionsExactlyOnceInOrder() throws Exception {
        byte[] zip = Zips.bootstrap("many");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            names.add(String.format("fn-%04d", i));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (String name : names) {
                done.add(pool.submit(() -> lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                        .handler("bootstrap").role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(zip))))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }

        List<String> seen = new ArrayList<>();
        String marker = null;
        int pages = 0;
        do {
            String m = marker;
            var page = lambda.listFunctions(r -> r.maxItems(37).marker(m));
            assertThat(page.functions()).hasSizeLessThanOrEqualTo(37);
            page.functions().stream().map(FunctionConfiguration::functionName).filter(n -> n.startsWith("fn-"))
                    .forEach(seen::add);
            marker = page.nextMarker();
            pages++;
        } while (marker != null);
        assertThat(seen).containsExactlyElementsOf(names);
        assertThat(pages).isGreaterThanOrEqualTo(28);

        // The SDK's own paginator (default page size 50) sees the same thousand.
        List<String> viaPaginator = lambda.listFunctionsPaginator().functions().stream()
                .map(FunctionConfiguration::functionName).filter(n -> n.startsWith("fn-")).toList();
        assertThat(viaPaginator).containsExactlyElementsOf(names);
        assertThat(lambda.getAccountSettings(r -> { }).accountUsage().functionCount()).isGreaterThanOrEqualTo(1000);
        // A thousand functions with one identical package store it once.
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(zip));
        assertThat(server.dataDir.resolve("code/packages").resolve(hex.substring(0, 2)).resolve(hex + ".zip")).exists();
    }

    @Test
    void concurrentCodeUpdatesEitherWinOrConflictAndLeaveOneConsistentVersion() throws Exception {
        lambda.createFunction(r -> r.functionName("contended").runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(Zips.bootstrap("start")))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("contended"));

        int writers = 16;
        List<String> winners = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> conflicts = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] zip = Zips.bootstrap("writer-" + i);
                done.add(pool.submit(() -> {
                    go.await();
                    try {
                        winners.add(lambda.updateFunctionCode(r -> r.functionName("contended").zipFile(Zips.sdk(zip)))
                                .codeSha256());
                    } catch (ResourceConflictException e) {
                        conflicts.add(e);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(winners.size() + conflicts.size()).isEqualTo(writers);
        assertThat(winners).isNotEmpty();
        assertThat(conflicts).allSatisfy(e -> assertThat(e).hasMessageContaining("An update is in progress"));
        var settled = lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("contended")).matched().response()
                .orElseThrow().configuration();
        assertThat(settled.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);
        assertThat(winners).contains(settled.codeSha256());
        // Each accepted update had its own package; every package but the current one is gone from the store.
        Set<String> distinct = new HashSet<>(winners);
        assertThat(distinct).hasSameSizeAs(winners);
        for (String sha : distinct) {
            String hex = java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(sha));
            Path stored = server.dataDir.resolve("code/packages").resolve(hex.substring(0, 2)).resolve(hex + ".zip");
            if (sha.equals(settled.codeSha256())) {
                assertThat(stored).exists();
            } else {
                assertThat(stored).doesNotExist();
            }
        }
    }
}
