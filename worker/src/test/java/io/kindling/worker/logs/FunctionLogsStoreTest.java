package io.kindling.worker.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** The store: names, cursors, rotation, crashes, deletion, waiting for appends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FunctionLogsStoreTest {
    private static final String STREAM = "2026/01/31/[$LATEST]00000000000000000000000000000002";

    @TempDir
    Path root;
    private FunctionLogs logs;

    private FunctionLogs open(LogLimits limits) throws IOException {
        logs = FunctionLogs.open(root, limits, Clock.systemUTC());
        return logs;
    }

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private static LogEvent event(int i) {
        return new LogEvent(1_000L + i, STREAM, "event " + i);
    }

    private static void appendEach(FunctionLogs logs, String function, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            logs.append(function, List.of(event(i)));
        }
    }

    private static List<String> readAll(FunctionLogs logs, String function) throws IOException {
        List<String> all = new ArrayList<>();
        LogCursor cursor = LogCursor.BEGINNING;
        while (true) {
            LogPage page = logs.read(function, cursor, 7);
            if (page.events().isEmpty()) {
                return all;
            }
            page.events().forEach(event -> all.add(event.message()));
            cursor = page.next();
        }
    }

    private static List<String> messages(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "event " + i).toList();
    }

    private static List<Path> segments(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"..", ".", "../etc", "a/b", "a\\b", "a b", "naïve", "f\n", "f\u0000",
            "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12345"})
    void anInvalidFunctionNameIsRefusedEverywhere(String name) throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        assertThatThrownBy(() -> logs.environment(name, "$LATEST", STREAM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> logs.append(name, List.of(event(1)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> logs.read(name, LogCursor.BEGINNING, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> logs.tail(name, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> logs.delete(name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> logs.awaitAppend(name, LogCursor.BEGINNING, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void theLongestAndOddestValidNamesWork() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        String longest = "a".repeat(63) + "Z";
        logs.append(longest, List.of(event(1)));
        logs.append("-_9", List.of(event(2)));
        assertThat(readAll(logs, longest)).containsExactly("event 1");
        assertThat(readAll(logs, "-_9")).containsExactly("event 2");
        assertThat(root.resolve(longest)).isDirectory();
    }

    @Test
    void aCursorPagesThroughTheLogAndWaitsAtItsEnd() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        appendEach(logs, "f", 0, 25);
        LogPage first = logs.read("f", LogCursor.BEGINNING, 10);
        assertThat(first.events()).extracting(LogEvent::message).containsExactlyElementsOf(messages(0, 10));
        assertThat(first.events().getFirst()).isEqualTo(event(0));
        LogPage second = logs.read("f", LogCursor.parse(first.next().token()), 100);
        assertThat(second.events()).extracting(LogEvent::message).containsExactlyElementsOf(messages(10, 25));
        LogPage atEnd = logs.read("f", second.next(), 100);
        assertThat(atEnd.events()).isEmpty();
        assertThat(atEnd.next()).isEqualTo(second.next());
        appendEach(logs, "f", 25, 26);
        assertThat(logs.read("f", atEnd.next(), 100).events()).extracting(LogEvent::message)
                .containsExactly("event 25");
    }

    @Test
    void aCursorTokenIsCheckedWhenParsed() {
        assertThat(LogCursor.parse("3-1024")).isEqualTo(new LogCursor(3, 1024));
        for (String bad : new String[] {"", "3", "-1-2", "3-x", "3-1024-1", "99999999999999999999-0", " 3-1"}) {
            assertThatThrownBy(() -> LogCursor.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void tailGivesTheLastEventsAndTheEndToFollowFrom() throws IOException {
        FunctionLogs logs = open(new LogLimits(1024, 10, 8)); // several segments: the tail crosses them
        assertThat(logs.tail("f", 5)).isEqualTo(new LogPage(List.of(), LogCursor.BEGINNING));
        appendEach(logs, "f", 0, 100);
        assertThat(segments(root.resolve("f"))).hasSizeGreaterThan(3);
        LogPage tail = logs.tail("f", 30);
        assertThat(tail.events()).extracting(LogEvent::message).containsExactlyElementsOf(messages(70, 100));
        assertThat(logs.tail("f", 0).events()).isEmpty();
        assertThat(logs.tail("f", 0).next()).isEqualTo(tail.next());
        appendEach(logs, "f", 100, 102);
        assertThat(logs.read("f", tail.next(), 100).events()).extracting(LogEvent::message)
                .containsExactly("event 100", "event 101");
    }

    @Test
    void rotationKeepsEachFunctionWithinItsBound() throws IOException {
        LogLimits limits = new LogLimits(1024, 3, 8);
        FunctionLogs logs = open(limits);
        appendEach(logs, "f", 0, 1000);
        List<Path> files = segments(root.resolve("f"));
        assertThat(files).hasSize(3);
        assertThat(files.stream().mapToLong(FunctionLogsStoreTest::size).sum())
                .isLessThanOrEqualTo(limits.maxBytesPerFunction());
        List<String> kept = readAll(logs, "f");
        assertThat(kept).hasSizeGreaterThan(20);
        assertThat(kept).containsExactlyElementsOf(messages(1000 - kept.size(), 1000)); // the newest, contiguous
    }

    @Test
    void aCursorSurvivesRotation() throws IOException {
        FunctionLogs logs = open(new LogLimits(1024, 3, 8));
        appendEach(logs, "f", 0, 10);
        LogCursor early = logs.read("f", LogCursor.BEGINNING, 5).next();
        appendEach(logs, "f", 10, 500); // its segment is long gone
        LogPage page = logs.read("f", early, FunctionLogs.MAX_PAGE_EVENTS);
        assertThat(page.events()).extracting(LogEvent::message).containsExactlyElementsOf(readAll(logs, "f"));
        assertThat(page.events().getLast().message()).isEqualTo("event 499");
    }

    @Test
    void aFollowerKeepingUpSeesEveryEventOnceAcrossRotations() throws IOException {
        FunctionLogs logs = open(new LogLimits(1024, 3, 8));
        List<String> seen = new ArrayList<>();
        LogCursor cursor = logs.tail("f", 0).next();
        for (int i = 0; i < 400; i += 4) {
            appendEach(logs, "f", i, i + 4);
            // Pages smaller than the appends, so pages end in the middle of segments and exactly at their ends.
            for (LogPage page = logs.read("f", cursor, 3); !page.events().isEmpty(); page = logs.read("f", cursor, 3)) {
                page.events().forEach(event -> seen.add(event.message()));
                cursor = page.next();
            }
        }
        assertThat(seen).containsExactlyElementsOf(messages(0, 400));
        assertThat(segments(root.resolve("f"))).hasSize(3);
    }

    @Test
    void aRecordTornByACrashIsSkippedThenCutOffByTheNextWriter() throws IOException {
        FunctionLogs first = open(LogLimits.defaults());
        appendEach(first, "f", 0, 10);
        first.close();
        Path segment = segments(root.resolve("f")).getLast();
        try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            file.truncate(file.size() - 7); // the crash hit in the middle of "event 9"
        }

        FunctionLogs reopened = open(LogLimits.defaults());
        assertThat(readAll(reopened, "f")).containsExactlyElementsOf(messages(0, 9));
        assertThat(reopened.tail("f", 3).events()).extracting(LogEvent::message)
                .containsExactly("event 6", "event 7", "event 8");
        LogCursor end = reopened.tail("f", 0).next();
        reopened.append("f", List.of(event(10)));
        assertThat(readAll(reopened, "f")).containsExactlyElementsOf(
                Stream.concat(messages(0, 9).stream(), Stream.of("event 10")).toList());
        assertThat(reopened.read("f", end, 10).events()).extracting(LogEvent::message).containsExactly("event 10");
        String text = Files.readString(segment);
        assertThat(text).endsWith("\n");
        assertThat(text.lines()).hasSize(10);
    }

    @Test
    void unreadableLinesInTheMiddleAreSkipped() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        appendEach(logs, "f", 0, 2);
        Path segment = segments(root.resolve("f")).getLast();
        Files.write(segment, "\0\0\0\0\n{\"t\":1,\"s\":\"x\",\"m\":\"half{\"t\":2,\"s\":\"x\",\"m\":\"b\"}\nnot json\n"
                .getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        appendEach(logs, "f", 2, 4);
        assertThat(readAll(logs, "f")).containsExactlyElementsOf(messages(0, 4));
        assertThat(logs.tail("f", 2).events()).extracting(LogEvent::message).containsExactly("event 2", "event 3");
    }

    @Test
    void openWritersAreBoundedAcrossFunctions() throws IOException {
        FunctionLogs logs = open(new LogLimits(64 * 1024, 2, 2));
        for (int round = 0; round < 3; round++) {
            for (int function = 0; function < 5; function++) {
                logs.append("f" + function, List.of(event(round)));
                assertThat(logs.openWriters()).isLessThanOrEqualTo(2);
            }
        }
        for (int function = 0; function < 5; function++) {
            assertThat(readAll(logs, "f" + function)).containsExactlyElementsOf(messages(0, 3));
        }
    }

    @Test
    void anOversizedEventIsRefusedBeforeAnythingIsWritten() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        LogEvent huge = new LogEvent(1, STREAM, "\u0001".repeat(EnvironmentLog.MAX_EVENT_BYTES * 2));
        assertThatThrownBy(() -> logs.append("f", List.of(event(0), huge))).isInstanceOf(IllegalArgumentException.class);
        assertThat(readAll(logs, "f")).isEmpty();
    }

    @Test
    void deleteRemovesEverythingAndALaterAppendStartsAgain() throws IOException {
        FunctionLogs logs = open(new LogLimits(1024, 3, 8));
        appendEach(logs, "f", 0, 100);
        appendEach(logs, "g", 0, 1);
        LogCursor old = logs.tail("f", 0).next();
        logs.delete("f");
        assertThat(root.resolve("f")).doesNotExist();
        assertThat(readAll(logs, "f")).isEmpty();
        assertThat(logs.tail("f", 10).events()).isEmpty();
        assertThat(readAll(logs, "g")).containsExactly("event 0");
        logs.delete("never-existed");

        appendEach(logs, "f", 0, 2);
        // A cursor from before the deletion points past the new log: it starts over.
        assertThat(logs.read("f", old, 10).events()).extracting(LogEvent::message)
                .containsExactly("event 0", "event 1");
    }

    @Test
    void awaitAppendTimesOutWithoutData() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        appendEach(logs, "f", 0, 1);
        LogCursor end = logs.tail("f", 0).next();
        CompletableFuture<Boolean> waited = logs.awaitAppend("f", end, Duration.ofMillis(200));
        assertThat(waited).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(false);
        assertThat(logs.waitingReaders()).isZero();
    }

    @Test
    void awaitAppendCompletesOnTheNextAppend() throws Exception {
        FunctionLogs logs = open(LogLimits.defaults());
        LogCursor end = logs.tail("f", 0).next(); // before the function has any log at all
        CompletableFuture<Boolean> waited = logs.awaitAppend("f", end, Duration.ofMinutes(5));
        CompletableFuture<Boolean> other = logs.awaitAppend("g", end, Duration.ofMinutes(5));
        assertThat(waited).isNotDone();
        assertThat(logs.waitingReaders()).isEqualTo(2);

        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                logs.append("f", List.of(event(1)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(waited).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        writer.join();
        assertThat(logs.read("f", end, 10).events()).extracting(LogEvent::message).containsExactly("event 1");
        assertThat(other).isNotDone();
        other.cancel(false);
        assertThat(logs.waitingReaders()).isZero();
    }

    @Test
    void awaitAppendCompletesAtOnceWhenDataIsAlreadyThere() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        appendEach(logs, "f", 0, 1);
        assertThat(logs.awaitAppend("f", LogCursor.BEGINNING, Duration.ofMinutes(5)))
                .succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        assertThat(logs.waitingReaders()).isZero();
    }

    @Test
    void deleteWakesWaitingReaders() throws IOException {
        FunctionLogs logs = open(LogLimits.defaults());
        appendEach(logs, "f", 0, 1);
        CompletableFuture<Boolean> waited = logs.awaitAppend("f", logs.tail("f", 0).next(), Duration.ofMinutes(5));
        logs.delete("f");
        assertThat(waited).succeedsWithin(Duration.ofSeconds(10));
    }
}
