package io.kindling.worker.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Many environments of one function writing at once, each from its own platform thread as the output pumps do. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FunctionLogsConcurrencyTest {
    private static final int ENVIRONMENTS = 8;
    private static final int LINES = 2_000;

    @TempDir
    Path root;

    /** A line that shows whether it arrived whole: who wrote it, its number, and a body of a length it states. */
    private static String line(int environment, int number, int bodyLength) {
        return "env=" + environment + " n=" + number + " len=" + bodyLength + " " + "é".repeat(bodyLength);
    }

    @Test
    void concurrentEnvironmentsOfOneFunctionInterleaveWholeLines() throws Exception {
        try (FunctionLogs logs = FunctionLogs.open(root, new LogLimits(64L << 20, 2, 4), Clock.systemUTC())) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> pumps = new ArrayList<>();
            for (int e = 0; e < ENVIRONMENTS; e++) {
                int environment = e;
                EnvironmentLog log = logs.environment("busy", "$LATEST", "2026/01/31/[$LATEST]stream" + e);
                pumps.add(Thread.ofPlatform().name("pump-" + e).start(() -> pump(environment, log.output(), go)));
            }
            go.countDown();
            for (Thread pump : pumps) {
                assertThat(pump.join(Duration.ofSeconds(50))).isTrue();
            }

            Map<String, Integer> nextNumber = new HashMap<>();
            int total = 0;
            LogCursor cursor = LogCursor.BEGINNING;
            for (LogPage page = logs.read("busy", cursor, 1000); !page.events().isEmpty();
                 page = logs.read("busy", cursor, 1000)) {
                for (LogEvent event : page.events()) {
                    String[] fields = event.message().split(" ", 4);
                    int environment = Integer.parseInt(fields[0].substring("env=".length()));
                    int number = Integer.parseInt(fields[1].substring("n=".length()));
                    int bodyLength = Integer.parseInt(fields[2].substring("len=".length()));
                    assertThat(event.message()).isEqualTo(line(environment, number, bodyLength));
                    assertThat(event.stream()).endsWith("stream" + environment);
                    // Each environment's lines keep their order.
                    assertThat(number).isEqualTo(nextNumber.merge(event.stream(), 1, Integer::sum) - 1);
                    total++;
                }
                cursor = page.next();
            }
            assertThat(total).isEqualTo(ENVIRONMENTS * LINES);
            // Every physical line of the files is one whole record.
            try (Stream<Path> files = Files.list(root.resolve("busy"))) {
                long records = 0;
                for (Path file : files.toList()) {
                    List<String> lines = Files.readAllLines(file);
                    assertThat(lines).allSatisfy(text -> assertThat(RecordCodec.decode(
                            text.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8).length))
                            .isNotNull());
                    records += lines.size();
                }
                assertThat(records).isEqualTo(total);
            }
        }
    }

    /** Writes its lines in chunks of random sizes, so line breaks and characters fall anywhere in a write. */
    private static void pump(int environment, OutputStream out, CountDownLatch go) {
        SplittableRandom random = new SplittableRandom(environment);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int n = 0; n < LINES; n++) {
            all.writeBytes((line(environment, n, random.nextInt(0, 300)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = all.toByteArray();
        try {
            go.await();
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, random.nextInt(1, 700));
                out.write(bytes, at, n);
                at += n;
            }
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
