package io.kindling.worker.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lines Lambda writes, character for character, and how an invocation is framed by them. */
class FunctionLogsFramingTest {
    private static final String ID = "8f507cfc-0000-4697-b07a-ac58fc914c95";
    private static final String STREAM = "2026/01/31/[$LATEST]0123456789abcdef0123456789abcdef";
    private static final Instant NOW = Instant.parse("2026-01-31T12:00:03.004Z");

    @TempDir
    Path root;
    private FunctionLogs logs;

    @BeforeEach
    void open() throws IOException {
        logs = FunctionLogs.open(root, LogLimits.defaults(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        logs.close();
    }

    private static Duration ms(String decimal) {
        return Duration.ofNanos(new java.math.BigDecimal(decimal).movePointRight(6).longValueExact());
    }

    @Test
    void startAndEndNameTheRequestAndVersion() {
        assertThat(PlatformLines.start(ID, "$LATEST")).isEqualTo("START RequestId: " + ID + " Version: $LATEST");
        assertThat(PlatformLines.start(ID, "7")).isEqualTo("START RequestId: " + ID + " Version: 7");
        assertThat(PlatformLines.end(ID)).isEqualTo("END RequestId: " + ID);
    }

    @Test
    void aWarmReportHasTabSeparatedFieldsAndATrailingTab() {
        assertThat(PlatformLines.report(ID, Report.of(ms("12.34"), 128, 34))).isEqualTo("REPORT RequestId: " + ID
                + "\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 34 MB\t");
    }

    @Test
    void aColdReportAddsInitDurationAndBillsIt() {
        Report cold = Report.of(ms("12.34"), 128, 34).withInitDuration(ms("56.78"));
        assertThat(PlatformLines.report(ID, cold)).isEqualTo("REPORT RequestId: " + ID
                + "\tDuration: 12.34 ms\tBilled Duration: 70 ms\tMemory Size: 128 MB\tMax Memory Used: 34 MB"
                + "\tInit Duration: 56.78 ms\t");
    }

    @Test
    void durationsRoundToTwoDecimalsAndBilledDurationRoundsUpToTheMillisecond() {
        assertThat(PlatformLines.milliseconds(Duration.ofNanos(12_345_000))).isEqualTo("12.35");
        assertThat(PlatformLines.milliseconds(Duration.ofNanos(12_344_999))).isEqualTo("12.34");
        assertThat(PlatformLines.milliseconds(Duration.ofNanos(999))).isEqualTo("0.00");
        assertThat(PlatformLines.milliseconds(Duration.ofSeconds(3))).isEqualTo("3000.00");
        assertThat(Report.of(Duration.ofMillis(12), 128, 1).billedMillis()).isEqualTo(12);
        assertThat(Report.of(Duration.ofNanos(12_000_001), 128, 1).billedMillis()).isEqualTo(13);
        assertThat(Report.of(Duration.ZERO, 128, 1).billedMillis()).isEqualTo(1);
        // As captured from CloudWatch: Duration 3000.00 ms with Init Duration 67.49 ms is billed 3068 ms.
        assertThat(Report.of(Duration.ofSeconds(3), 128, 35).withInitDuration(ms("67.49")).billedMillis())
                .isEqualTo(3068);
        assertThat(Report.mebibytes(0)).isZero();
        assertThat(Report.mebibytes(1)).isEqualTo(1);
        assertThat(Report.mebibytes(34L << 20)).isEqualTo(34);
    }

    @Test
    void aFailedInvocationsReportEndsWithItsStatusInsteadOfATab() {
        Report timedOut = Report.of(Duration.ofSeconds(3), 128, 35).withStatus(Report.Status.timeout());
        assertThat(PlatformLines.report(ID, timedOut)).isEqualTo("REPORT RequestId: " + ID
                + "\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 35 MB"
                + "\tStatus: timeout");
        Report oom = Report.of(ms("8948.73"), 2048, 2048).withInitDuration(ms("495.04"))
                .withStatus(Report.Status.error("Runtime.OutOfMemory"));
        assertThat(PlatformLines.report(ID, oom)).isEqualTo("REPORT RequestId: " + ID
                + "\tDuration: 8948.73 ms\tBilled Duration: 9444 ms\tMemory Size: 2048 MB\tMax Memory Used: 2048 MB"
                + "\tInit Duration: 495.04 ms\tStatus: error\tError Type: Runtime.OutOfMemory");
    }

    @Test
    void theErrorLinesUseLambdasWording() {
        assertThat(PlatformLines.taskTimedOut(NOW, ID, Duration.ofSeconds(3)))
                .isEqualTo("2026-01-31T12:00:03.004Z " + ID + " Task timed out after 3.00 seconds");
        assertThat(PlatformLines.taskTimedOut(NOW, ID, Duration.ofMillis(1500)))
                .endsWith(" Task timed out after 1.50 seconds");
        assertThat(PlatformLines.runtimeExited(ID, "exit status 1", "Runtime.ExitError"))
                .isEqualTo("RequestId: " + ID + " Error: Runtime exited with error: exit status 1\nRuntime.ExitError");
        assertThat(PlatformLines.initStart("provided:al2023.v36", "arn:aws:lambda:eu-west-1::runtime:abc"))
                .isEqualTo("INIT_START Runtime Version: provided:al2023.v36\tRuntime Version ARN: "
                        + "arn:aws:lambda:eu-west-1::runtime:abc");
    }

    @Test
    void anInvocationIsFramedInTheStoreAndInItsTail() throws IOException {
        EnvironmentLog environment = logs.environment("f", "$LATEST", STREAM);
        environment.start(ID);
        environment.output().write("hello\n".getBytes(StandardCharsets.UTF_8));
        LogTail tail = environment.end(ID, Report.of(ms("1.5"), 128, 20).withInitDuration(ms("100")));

        String report = "REPORT RequestId: " + ID + "\tDuration: 1.50 ms\tBilled Duration: 102 ms\tMemory Size: 128 MB"
                + "\tMax Memory Used: 20 MB\tInit Duration: 100.00 ms\t";
        List<String> expected = List.of("START RequestId: " + ID + " Version: $LATEST", "hello", "END RequestId: " + ID,
                report);
        assertThat(logs.read("f", LogCursor.BEGINNING, 100).events()).containsExactlyElementsOf(expected.stream()
                .map(message -> new LogEvent(NOW.toEpochMilli(), STREAM, message)).toList());
        String text = String.join("\n", expected) + "\n";
        assertThat(tail.text()).isEqualTo(text);
        assertThat(Base64.getDecoder().decode(tail.base64())).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRuntimeExitIsOneEventOfTwoLinesInsideTheInvocation() throws IOException {
        EnvironmentLog environment = logs.environment("f", "3", STREAM);
        environment.start(ID);
        environment.output().write("dying".getBytes(StandardCharsets.UTF_8));
        environment.platformLine(PlatformLines.runtimeExited(ID, "exit status 1", "Runtime.ExitError"));
        LogTail tail = environment.end(ID, Report.of(ms("4"), 128, 20).withStatus(
                Report.Status.error("Runtime.ExitError")));

        assertThat(logs.read("f", LogCursor.BEGINNING, 100).events()).extracting(LogEvent::message).containsExactly(
                "START RequestId: " + ID + " Version: 3",
                "dying",
                "RequestId: " + ID + " Error: Runtime exited with error: exit status 1\nRuntime.ExitError",
                "END RequestId: " + ID,
                "REPORT RequestId: " + ID + "\tDuration: 4.00 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB"
                        + "\tMax Memory Used: 20 MB\tStatus: error\tError Type: Runtime.ExitError");
        assertThat(tail.text()).contains("dying\nRequestId: " + ID + " Error: Runtime exited with error: exit status 1"
                + "\nRuntime.ExitError\nEND RequestId: ");
    }

    @Test
    void framingOutOfOrderIsRefused() {
        EnvironmentLog environment = logs.environment("f", "$LATEST", STREAM);
        assertThatThrownBy(() -> environment.end(ID, Report.of(Duration.ZERO, 128, 1)))
                .isInstanceOf(IllegalStateException.class);
        environment.start(ID);
        assertThatThrownBy(() -> environment.start("other")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> environment.end("other", Report.of(Duration.ZERO, 128, 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(environment.end(ID, Report.of(Duration.ZERO, 128, 1)).text()).startsWith("START RequestId: " + ID);
    }
}
