package io.kindling.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's group commit and bookkeeping, on a real SQLite file. */
class EventStoreTest {
    static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

    @TempDir
    Path dir;
    EventStore store;

    @BeforeEach
    void open() throws Exception {
        store = new EventStore(dir.resolve("events.db"), 512, 10_000);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static NewEvent event(String id, String function) {
        return new NewEvent(id, function, "$LATEST", "{}".getBytes(), T0);
    }

    int synchronousMode(boolean durable) {
        return store.submit(durable, c -> {
            try (Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA synchronous")) {
                return rs.getInt(1);
            }
        }).join();
    }

    @Test
    void batchesWithAnEnqueueAreFsyncedOthersAreNot() {
        assertThat(synchronousMode(true)).as("FULL").isEqualTo(2);
        assertThat(synchronousMode(false)).as("NORMAL").isEqualTo(1);
        assertThat(synchronousMode(true)).as("FULL again").isEqualTo(2);
    }

    @Test
    void aFailingOperationFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CompletableFuture<Void> holding = new CompletableFuture<>();
        // hold the thread so the next three operations land in one batch
        store.submit(false, c -> {
            holding.complete(null);
            return gate.join();
        });
        holding.join();
        CompletableFuture<Long> before = store.insert(event("a", "f"));
        CompletableFuture<Object> broken = store.submit(false, c -> {
            c.createStatement().execute("INSERT INTO events (id) VALUES ('no function')");
            return null;
        });
        CompletableFuture<Long> after = store.insert(event("b", "f"));
        long commits = store.commits();
        gate.complete(null);

        assertThat(before.join()).isPositive();
        assertThat(after.join()).isGreaterThan(before.join());
        assertThatThrownBy(broken::join).hasCauseInstanceOf(EventQueueException.StorageFailure.class);
        assertThat(store.commits() - commits).as("the holding batch, then one for the three").isEqualTo(2);
        assertThat(store.loadAll().join()).extracting(EventRef::seq).containsExactly(before.join(), after.join());
    }

    @Test
    void theDeadLetterStoreKeepsTheNewestPerFunction() {
        List<Long> seqs = new ArrayList<>();
        for (String id : List.of("1", "2", "3")) {
            seqs.add(store.insert(event(id, "f")).join());
        }
        long other = store.insert(event("x", "g")).join();
        for (int i = 0; i < 3; i++) {
            DeadLetter d = new DeadLetter(String.valueOf(i + 1), "f", "$LATEST", "{}".getBytes(),
                    FailureCondition.RetriesExhausted, 200, "Unhandled", "boom", 3, T0, T0.plusSeconds(1));
            assertThat(store.deadLetter(seqs.get(i), d, 2).join()).isTrue();
        }
        store.deadLetter(other, new DeadLetter("x", "g", "$LATEST", "{}".getBytes(),
                FailureCondition.EventAgeExceeded, 429, "Throttled", "", 0, T0, T0), 2).join();
        assertThat(store.deadLetters("f", 10).join()).extracting(DeadLetter::id).containsExactly("2", "3");
        assertThat(store.deadLetterCounts().join()).containsEntry("f", 2).containsEntry("g", 1);
        assertThat(store.deadLetter(seqs.getFirst(), store.deadLetters("f", 1).join().getFirst(), 2).join())
                .as("an event already gone").isFalse();
    }

    @Test
    void completingMovesToTheDestinationAtomicallyAndOnlyOnce() {
        long seq = store.insert(event("a", "f")).join();
        EventStore.Removal first = store.complete(seq, Optional.of(event("rec", "dest"))).join();
        assertThat(first.removed()).isTrue();
        assertThat(first.destinationSeq()).isPresent();
        EventStore.Removal again = store.complete(seq, Optional.of(event("rec", "dest"))).join();
        assertThat(again).isEqualTo(new EventStore.Removal(false, Optional.empty()));
        assertThat(store.loadAll().join()).singleElement().satisfies(e -> {
            assertThat(e.functionName()).isEqualTo("dest");
            assertThat(e.seq()).isEqualTo(first.destinationSeq().get());
        });
    }

    @Test
    void operationsAfterCloseFailAsClosed() {
        store.close();
        assertThatThrownBy(() -> store.insert(event("a", "f")).join())
                .hasCauseInstanceOf(EventQueueException.Closed.class);
    }
}
