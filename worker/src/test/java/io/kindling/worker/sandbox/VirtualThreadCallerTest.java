package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * The whole sandbox API driven from virtual threads, as the worker will, with JFR watching for a
 * virtual thread that blocks while pinned to its carrier (native frames: spawning, setns, pipe
 * reads). Helidon's check, from STYLE.md.
 */
class VirtualThreadCallerTest extends SandboxTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);


    @Test
    void noVirtualThreadIsPinnedWhileDrivingSandboxes() throws Exception {
        List<RecordedEvent> pinned = new CopyOnWriteArrayList<>();
        try (RecordingStream recording = new RecordingStream()) {
            // 20 ms, JFR's default for this event: a carrier held that long is a real stall. Shorter pins
            // come from inside the JDK (seen here: a 2 ms contended monitor while a native mkdir built
            // its exception) and made the test flaky without pointing at Kindling code.
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ofMillis(20)).withStackTrace();
            recording.onEvent("jdk.VirtualThreadPinned", pinned::add);
            recording.startAsync();

            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                var runs = List.of("vt-a", "vt-b", "vt-c").stream().map(id -> threads.submit(() -> {
                    var started = harness.start(id, "#!/bin/sh\necho up\nexec sleep 1000\n");
                    started.output().awaitLine("up", TIMEOUT);
                    started.sandbox().freeze();
                    started.sandbox().thaw();
                    started.sandbox().usage();
                    started.sandbox().close();
                    return started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                })).toList();
                for (var run : runs) {
                    assertThat(run.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).signal()).hasValue(9);
                }
            }
            // Flush what was recorded so far before looking.
            recording.stop();
        }
        assertThat(pinned).as("pinned virtual threads: %s", pinned).isEmpty();
    }
}
