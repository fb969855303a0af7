package io.kindling.worker.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One environment's output turned into log lines, and the tail of each invocation. */
class FunctionLogsCaptureTest {
    private static final String STREAM = "2026/01/31/[$LATEST]00000000000000000000000000000001";
    private static final Report REPORT = Report.of(Duration.ofMillis(5), 128, 30);

    @TempDir
    Path root;
    private FunctionLogs logs;
    private EnvironmentLog environment;

    @BeforeEach
    void open() throws IOException {
        logs = FunctionLogs.open(root, new LogLimits(64L << 20, 2, 8), Clock.systemUTC());
        environment = logs.environment("capture", "$LATEST", STREAM);
    }

    @AfterEach
    void close() {
        logs.close();
    }

    private List<String> messages() throws IOException {
        LogCursor cursor = LogCursor.BEGINNING;
        List<String> all = new java.util.ArrayList<>();
        while (true) {
            LogPage page = logs.read("capture", cursor, FunctionLogs.MAX_PAGE_EVENTS);
            if (page.events().isEmpty()) {
                return all;
            }
            page.events().forEach(event -> all.add(event.message()));
            cursor = page.next();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void linesSplitAcrossWritesAreJoined() throws IOException {
        byte[] text = "hello\nwide wörld €\nlast\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : text) {
            environment.output().write(b); // one byte at a time splits the multi-byte characters too
        }
        write(environment.output(), "par");
        write(environment.output(), "tial");
        assertThat(messages()).containsExactly("hello", "wide wörld €", "last");
        environment.close();
        assertThat(messages()).containsExactly("hello", "wide wörld €", "last", "partial");
    }

    @Test
    void crLfEndsALineALoneCrStaysAndEmptyLinesAreDropped() throws IOException {
        write(environment.output(), "dos\r\nnode\rmulti-line\n\n\r\n  \ntrailing cr\r");
        environment.close();
        assertThat(messages()).containsExactly("dos", "node\rmulti-line", "  ", "trailing cr");
    }

    @Test
    void aLineLongerThanAnEventIsCutIntoSeveral() throws IOException {
        write(environment.output(), "x".repeat(600 * 1024) + "\nnext\n");
        assertThat(messages()).extracting(String::length).containsExactly(262_144, 262_144, 90_112, 4);
    }

    @Test
    void aLongLineIsCutOnCharacterBoundaries() throws IOException {
        write(environment.output(), "€".repeat(100_000) + "\n"); // three bytes each: 262,144 is not a multiple
        List<String> messages = messages();
        assertThat(messages).hasSize(2);
        assertThat(messages.getFirst().getBytes(StandardCharsets.UTF_8)).hasSize(262_143);
        assertThat(String.join("", messages)).isEqualTo("€".repeat(100_000));
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() throws IOException {
        environment.output().write(new byte[] {'a', (byte) 0xff, 'b', '\n'});
        assertThat(messages()).containsExactly("a\uFFFDb");
    }

    @Test
    void anUnfinishedLineIsEmittedWhenTheInvocationEnds() throws IOException {
        environment.start("r1");
        write(environment.output(), "no line break");
        LogTail tail = environment.end("r1", REPORT);
        assertThat(tail.text()).contains("\nno line break\nEND RequestId: r1\n");
        assertThat(messages()).containsSubsequence("no line break", "END RequestId: r1");
    }

    @Test
    void outputBetweenInvocationsIsStoredButInNoTail() throws IOException {
        write(environment.output(), "init output\nunfinished init");
        environment.start("r1");
        write(environment.output(), "during r1\n");
        LogTail first = environment.end("r1", REPORT);
        write(environment.output(), "stray after END\n");
        environment.start("r2");
        LogTail second = environment.end("r2", REPORT);

        assertThat(messages()).containsExactly("init output", "unfinished init", "START RequestId: r1 Version: $LATEST",
                "during r1", "END RequestId: r1", PlatformLines.report("r1", REPORT), "stray after END",
                "START RequestId: r2 Version: $LATEST", "END RequestId: r2", PlatformLines.report("r2", REPORT));
        assertThat(first.text()).startsWith("START RequestId: r1").doesNotContain("init");
        assertThat(second.text()).isEqualTo("START RequestId: r2 Version: $LATEST\nEND RequestId: r2\n"
                + PlatformLines.report("r2", REPORT) + "\n");
    }

    @Test
    void theTailKeepsTheLast4096BytesOfAHugeInvocation() throws IOException {
        environment.start("big");
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        for (int i = 0; i < 100_000; i++) {
            chunk.writeBytes(("line " + i + " of a function that prints a lot\n").getBytes(StandardCharsets.UTF_8));
            if (chunk.size() > 16 * 1024) {
                environment.output().write(chunk.toByteArray()); // as the pump hands it over
                chunk.reset();
            }
        }
        environment.output().write(chunk.toByteArray());
        LogTail tail = environment.end("big", REPORT);

        assertThat(tail.utf8()).hasSize(LogTail.MAX_BYTES);
        List<String> invocation = messages().stream()
                .dropWhile(message -> !message.startsWith("START")).toList();
        String whole = invocation.stream().collect(Collectors.joining("\n", "", "\n"));
        assertThat(whole).endsWith(tail.text());
        assertThat(tail.text()).endsWith("line 99999 of a function that prints a lot\nEND RequestId: big\n"
                + PlatformLines.report("big", REPORT) + "\n");
    }

    @Test
    void theTailStartsOnACharacterBoundary() throws IOException {
        environment.start("wide");
        write(environment.output(), "€".repeat(5000) + "\n");
        LogTail tail = environment.end("wide", REPORT);
        assertThat(tail.utf8().length).isBetween(LogTail.MAX_BYTES - 2, LogTail.MAX_BYTES);
        assertThat(tail.text()).startsWith("€").doesNotContain("\uFFFD");
    }

    @Test
    void aFailingStoreNeverFailsTheRuntimesOutput() throws IOException {
        environment.start("r1");
        logs.close(); // appends fail from now on
        assertThatCode(() -> write(environment.output(), "lost line\n")).doesNotThrowAnyException();
        LogTail tail = environment.end("r1", REPORT);
        assertThat(tail.text()).contains("lost line\nEND RequestId: r1\n");
    }
}
