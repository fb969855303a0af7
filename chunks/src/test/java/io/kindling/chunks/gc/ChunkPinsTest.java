package io.kindling.chunks.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep and the pin protocol that keeps an ingest in progress safe from it, on a real local origin. */
class ChunkPinsTest {
    /** With this cutoff every chunk is past its grace. */
    private static final Instant NO_GRACE = Instant.now().plusSeconds(3600);

    @TempDir
    Path dir;

    private LocalDirectoryOrigin origin;
    private final ChunkPins pins = new ChunkPins();

    @BeforeEach
    void open() throws Exception {
        origin = new LocalDirectoryOrigin(dir.resolve("origin"));
    }

    private Digest256 stored(long seed, int size) throws Exception {
        byte[] bytes = random(size, seed);
        Digest256 name = Digest256.of(bytes);
        origin.put(name, bytes);
        return name;
    }

    @Test
    void theSweepDeletesWhatIsUnmarkedUnpinnedAndPastTheGrace() throws Exception {
        Digest256 marked = stored(1, 100);
        Digest256 garbage = stored(2, 200);
        Digest256 pinnedNow = stored(3, 300);
        Digest256 pinnedBefore = stored(4, 400);
        try (ChunkPins.Holder released = pins.holder()) {
            released.pin(pinnedBefore); // released before the pass begins: no protection left
        }
        // A put in progress: its temporary is never listed, so never swept.
        Path temporary = Files.writeString(dir.resolve("origin").resolve(garbage.hex().substring(0, 2))
                .resolve("." + garbage.hex() + ".1.tmp"), "x");

        SweepReport report;
        try (ChunkPins.Holder ingest = pins.holder()) {
            ingest.pin(pinnedNow); // held when the pass begins
            try (ChunkPins.Pass pass = pins.beginPass()) {
                report = pass.sweep(origin, Set.of(marked), NO_GRACE);
            }
        }

        assertThat(report).isEqualTo(new SweepReport(2, 600, 2, 400));
        assertThat(origin.exists(marked)).isTrue();
        assertThat(origin.exists(pinnedNow)).isTrue();
        assertThat(origin.exists(garbage)).isFalse();
        assertThat(origin.exists(pinnedBefore)).isFalse();
        assertThat(temporary).exists();
    }

    @Test
    void aChunkYoungerThanTheGraceStays() throws Exception {
        Digest256 fresh = stored(5, 100);
        try (ChunkPins.Pass pass = pins.beginPass()) {
            SweepReport report = pass.sweep(origin, Set.of(), Instant.now().minusSeconds(3600));
            assertThat(report).isEqualTo(new SweepReport(0, 0, 1, 100));
        }
        assertThat(origin.exists(fresh)).isTrue();
    }

    @Test
    void aPinMadeDuringThePassSparesTheChunkForThatPassEvenOnceReleased() throws Exception {
        Digest256 reused = stored(6, 100);
        try (ChunkPins.Pass pass = pins.beginPass()) {
            // An ingest that found the chunk already there and made its manifest durable after the mark listed
            // manifests: the mark does not know it, the seen pin does.
            try (ChunkPins.Holder ingest = pins.holder()) {
                ingest.pin(reused);
            }
            assertThat(pass.sweep(origin, Set.of(), NO_GRACE).chunksDeleted()).isZero();
        }
        assertThat(origin.exists(reused)).isTrue();

        try (ChunkPins.Pass next = pins.beginPass()) {
            assertThat(next.sweep(origin, Set.of(), NO_GRACE).chunksDeleted()).isEqualTo(1);
        }
        assertThat(origin.exists(reused)).isFalse();
    }

    @Test
    void onePassAtATime() {
        try (ChunkPins.Pass pass = pins.beginPass()) {
            assertThatThrownBy(pins::beginPass).isInstanceOf(IllegalStateException.class);
        }
        pins.beginPass().close();
    }

    @Test
    void aPinnedChunkIsNeverMissingWhileSweepsRunWithoutGrace() throws Exception {
        // The race the lock closes: pin, put (which may find the chunk there), then rely on it, while passes that
        // mark nothing try to delete it over and over.
        byte[] bytes = random(1000, 7);
        Digest256 name = Digest256.of(bytes);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong deleted = new AtomicLong();
        Phaser passes = new Phaser(1); // advances at the end of every pass
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> sweeper = threads.submit(() -> {
                while (!done.get()) {
                    try (ChunkPins.Pass pass = pins.beginPass()) {
                        deleted.addAndGet(pass.sweep(origin, Set.of(), NO_GRACE).chunksDeleted());
                    }
                    passes.arrive();
                }
                return null;
            });
            List<Future<?>> ingests = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = t;
                ingests.add(threads.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 300; i++) {
                        try (ChunkPins.Holder holder = pins.holder()) {
                            holder.pin(name);
                            origin.put(name, bytes);
                            assertThat(origin.exists(name)).as("pinned chunk present").isTrue();
                            assertThat(origin.get(name)).isEqualTo(bytes);
                        }
                        if (random.nextBoolean()) {
                            // Now and then two whole passes without this ingest's pin, so the chunk does get deleted
                            // and the next put races the sweep for it.
                            passes.awaitAdvance(passes.awaitAdvance(passes.getPhase()));
                        }
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> ingest : ingests) {
                    ingest.get();
                }
            } finally {
                done.set(true);
                passes.forceTermination(); // an ingest still waiting for passes stops waiting
            }
            sweeper.get();
        }
        assertThat(deleted.get()).as("the sweeps did delete the chunk between ingests").isPositive();
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
