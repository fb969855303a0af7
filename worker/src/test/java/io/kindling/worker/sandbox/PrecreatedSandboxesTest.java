package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The pool's sizing and life, with plain numbered slots (the real ones are tested in PrecreatedSandboxTest). */
class PrecreatedSandboxesTest {
    private final AtomicInteger made = new AtomicInteger();
    private final List<Integer> destroyed = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private PrecreatedSandboxes<Integer> pool(int max) {
        return new PrecreatedSandboxes<Integer>(max, made::incrementAndGet, destroyed::add, now::get).start();
    }

    @Test
    void anIdlePoolKeepsOneSlotReady() throws Exception {
        try (PrecreatedSandboxes<Integer> pool = pool(8)) {
            await(() -> pool.size() == 1);
            assertThat(made.get()).isEqualTo(1);
        }
        assertThat(destroyed).containsExactly(1);
    }

    @Test
    void theTargetFollowsTheRecentRateOfColdStartsUpToTheMaximum() throws Exception {
        try (PrecreatedSandboxes<Integer> pool = pool(4)) {
            await(() -> pool.size() == 1);
            // 30 cold starts within the window: 3 per second, so three slots cover the next second.
            for (int i = 0; i < 30; i++) {
                pool.take();
            }
            await(() -> pool.size() == 3);
            // 100 more: 13 per second, more than the maximum.
            for (int i = 0; i < 100; i++) {
                pool.take();
            }
            await(() -> pool.size() == 4);
        }
    }

    @Test
    void takeHandsOutTheOldestSlotOnceAndNeverWaits() throws Exception {
        try (PrecreatedSandboxes<Integer> pool = pool(2)) {
            await(() -> pool.size() == 1);
            Optional<Integer> first = pool.take();
            assertThat(first).contains(1);
            // Whatever the filler is doing, a second take answers at once, with a slot or without.
            Optional<Integer> second = pool.take();
            assertThat(second).isNotEqualTo(first);
        }
        assertThat(destroyed).doesNotContain(1);
    }

    @Test
    void whenDemandFallsThePoolShrinksBackToOne() throws Exception {
        try (PrecreatedSandboxes<Integer> pool = pool(4)) {
            for (int i = 0; i < 100; i++) {
                pool.take();
            }
            await(() -> pool.size() == 4);
            now.addAndGet(PrecreatedSandboxes.RATE_WINDOW.toNanos() + 1);
            pool.take(); // wakes the filler, which sees a rate of one in the window
            await(() -> pool.size() == 1);
            assertThat(destroyed).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aFactoryThatFailsIsRetriedAndColdStartsGoOnWithoutSlots() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        PrecreatedSandboxes.SlotFactory<Integer> failingOnce = () -> {
            if (attempts.incrementAndGet() == 1) {
                throw new SandboxException.NetworkFailed("no namespace for you", null);
            }
            return attempts.get();
        };
        try (PrecreatedSandboxes<Integer> pool = new PrecreatedSandboxes<>(2, failingOnce, destroyed::add, now::get).start()) {
            assertThat(pool.take()).isEmpty();
            await(() -> pool.size() >= 1);
            assertThat(attempts.get()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void closeRemovesEverySlotNotTaken() throws Exception {
        PrecreatedSandboxes<Integer> pool = pool(3);
        for (int i = 0; i < 100; i++) {
            pool.take();
        }
        await(() -> pool.size() == 3);
        pool.close();
        assertThat(pool.size()).isZero();
        assertThat(destroyed).hasSize(3);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met within 10 s").isNegative();
            Thread.sleep(5);
        }
    }
}
