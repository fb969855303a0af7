package io.kindling.events;

import io.kindling.sqlite.SchemaMigrations;
import io.kindling.sqlite.SqliteFiles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <dir>/events.db}, owned by one platform thread ("events-db") that commits in groups.
 *
 * <p>Callers submit operations and get futures. The thread takes everything pending (up to
 * {@code maxBatch}), runs each under its own savepoint (one failing operation does not undo the
 * others) and commits them in one transaction, so 500 concurrent enqueues cost a few fsyncs. A batch
 * holding an enqueue commits with {@code synchronous=FULL} (fsynced: the 202 is a promise); a batch
 * of only deliveries' bookkeeping commits with {@code NORMAL}, which in WAL mode survives kill -9 and
 * at worst, after a power loss, delivers an event once more. Futures complete on this thread: dependents
 * must not block.
 */
final class EventStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventStore.class);
    private static final SchemaMigrations MIGRATIONS = new SchemaMigrations("events", "/db/events",
            List.of("V1__events_dead_letters.sql"));

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** An operation waiting for the thread; {@code durable} ones are fsynced at commit. */
    private record Op<T>(Work<T> work, boolean durable, CompletableFuture<T> result) {}

    /** The row read back for a delivery. */
    record StoredEvent(String id, byte[] payload, Optional<LastOutcome> last) {}

    private static final Op<Void> STOP = new Op<>(c -> null, false, new CompletableFuture<>());

    private final int maxBatch;
    private final BlockingQueue<Op<?>> pending;
    private final Thread thread;
    /** Guards {@link #closed} against operations slipping in after the thread's last drain. */
    private final ReentrantLock submitLock = new ReentrantLock();
    private boolean closed;
    private volatile long commits;
    // owned by the thread
    private Connection connection;
    private boolean fullSync = true;

    EventStore(Path file, int maxBatch, int maxPending) throws SQLException {
        this.maxBatch = maxBatch;
        this.pending = new LinkedBlockingQueue<>(maxPending);
        CompletableFuture<Void> opened = new CompletableFuture<>();
        this.thread = Thread.ofPlatform().name("events-db").daemon(true).start(() -> {
            try {
                connection = open(file);
                migrate();
                opened.complete(null);
            } catch (SQLException | RuntimeException e) {
                closeQuietly();
                opened.completeExceptionally(e);
                return;
            }
            loop();
        });
        try {
            opened.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException(e.getCause());
        }
    }

    private static Connection open(Path file) throws SQLException {
        return SqliteFiles.open(file, "busy_timeout=10000");
    }

    private void migrate() throws SQLException {
        MIGRATIONS.apply(connection);
        connection.commit();
    }

    // ---- the thread

    private void loop() {
        List<Op<?>> batch = new ArrayList<>(maxBatch);
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(pending.take());
            } catch (InterruptedException e) {
                break;
            }
            pending.drainTo(batch, maxBatch - 1);
            if (batch.remove(STOP)) {
                stopping = true;
            }
            if (!batch.isEmpty()) {
                commit(batch);
            }
            batch.clear();
        }
        for (Op<?> op; (op = pending.poll()) != null; ) {
            op.result().completeExceptionally(new EventQueueException.Closed());
        }
        try (Statement s = connection.createStatement()) {
            connection.commit();
            connection.setAutoCommit(true);
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            log.warn("events database checkpoint failed: {}", e.getMessage());
        }
        closeQuietly();
    }

    private void closeQuietly() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("events database close failed: {}", e.getMessage());
        }
    }

    private void commit(List<Op<?>> batch) {
        List<Runnable> completions = new ArrayList<>(batch.size());
        try {
            setFullSync(batch.stream().anyMatch(Op::durable));
            for (Op<?> op : batch) {
                completions.add(runOne(op));
            }
            connection.commit();
            commits++;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; every operation of the batch fails below
            }
            for (Op<?> op : batch) {
                op.result().completeExceptionally(new EventQueueException.StorageFailure(e));
            }
            return;
        }
        completions.forEach(Runnable::run);
    }

    /** Runs one operation under a savepoint; returns how to complete its future once the batch committed. */
    private <T> Runnable runOne(Op<T> op) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            T value = op.work().run(connection);
            connection.releaseSavepoint(savepoint);
            return () -> op.result().complete(value);
        } catch (SQLException | RuntimeException e) {
            connection.rollback(savepoint);
            connection.releaseSavepoint(savepoint);
            return () -> op.result().completeExceptionally(new EventQueueException.StorageFailure(e));
        }
    }

    private void setFullSync(boolean full) throws SQLException {
        if (full != fullSync) {
            // the pragma must be set outside a transaction to take effect for the next commit
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            } finally {
                connection.setAutoCommit(false);
            }
            fullSync = full;
        }
    }

    /** Queues {@code work} for the next batch; fsynced at commit when {@code durable}. */
    <T> CompletableFuture<T> submit(boolean durable, Work<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submitLock.lock();
        try {
            if (closed) {
                result.completeExceptionally(new EventQueueException.Closed());
            } else if (!pending.offer(new Op<>(work, durable, result))) {
                result.completeExceptionally(new EventQueueException.StorageFailure(
                        new IllegalStateException("too many operations waiting for the events database")));
            }
        } finally {
            submitLock.unlock();
        }
        return result;
    }

    /** Transactions committed so far (group commit makes this far smaller than the operations). */
    long commits() {
        return commits;
    }

    // ---- operations

    /** Stores a new event (fsynced); its key. */
    CompletableFuture<Long> insert(NewEvent event) {
        return submit(true, c -> insert(c, event, event.acceptedAt()));
    }

    private static long insert(Connection c, NewEvent e, Instant due) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO events (id, function, qualifier, payload, accepted_at, due_at) VALUES (?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, e.id());
            s.setString(2, e.functionName());
            s.setString(3, e.qualifier());
            s.setBytes(4, e.payload());
            s.setLong(5, e.acceptedAt().toEpochMilli());
            s.setLong(6, due.toEpochMilli());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Every stored event, for the in-memory index after a start (those in flight at a crash included). */
    CompletableFuture<List<EventRef>> loadAll() {
        return submit(false, c -> {
            List<EventRef> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT seq, function, qualifier, accepted_at, due_at, invocations, refusals FROM events");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new EventRef(rs.getLong(1), rs.getString(2), rs.getString(3),
                            Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6),
                            rs.getInt(7)));
                }
            }
            return out;
        });
    }

    /** The event's id, payload and last outcome; empty if it is gone (its function was deleted). */
    CompletableFuture<Optional<StoredEvent>> read(long seq) {
        return submit(false, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id, payload, last_status, last_version,"
                    + " last_error_type, last_response, last_message FROM events WHERE seq = ?")) {
                s.setLong(1, seq);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    int status = rs.getInt(3);
                    Optional<LastOutcome> last = rs.wasNull() ? Optional.empty() : Optional.of(new LastOutcome(
                            status, rs.getString(4), rs.getString(5), rs.getBytes(6), rs.getString(7)));
                    return Optional.of(new StoredEvent(rs.getString(1), rs.getBytes(2), last));
                }
            }
        });
    }

    /** Sets the event's next due time, counters and last outcome; false if it is gone. */
    CompletableFuture<Boolean> reschedule(EventRef event, LastOutcome last) {
        return submit(false, c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE events SET due_at = ?, invocations = ?, refusals = ?,"
                    + " last_status = ?, last_version = ?, last_error_type = ?, last_response = ?, last_message = ?"
                    + " WHERE seq = ?")) {
                s.setLong(1, event.dueAt().toEpochMilli());
                s.setInt(2, event.invocations());
                s.setInt(3, event.refusals());
                s.setInt(4, last.statusCode());
                s.setString(5, last.executedVersion());
                s.setString(6, last.functionError());
                if (last.response() == null) {
                    s.setNull(7, Types.BLOB);
                } else {
                    s.setBytes(7, last.response());
                }
                s.setString(8, last.message());
                s.setLong(9, event.seq());
                return s.executeUpdate() == 1;
            }
        });
    }

    /** What {@link #complete} did: whether the event was still there, and the destination's new event. */
    record Removal(boolean removed, Optional<Long> destinationSeq) {}

    /**
     * Removes a finished event and, in the same transaction, stores the destination's event if any, so a
     * crash neither loses nor doubles the record. Nothing happens if the event is already gone.
     */
    CompletableFuture<Removal> complete(long seq, Optional<NewEvent> destination) {
        return submit(false, c -> {
            if (!delete(c, seq)) {
                return new Removal(false, Optional.empty());
            }
            return new Removal(true, destination.isPresent()
                    ? Optional.of(insert(c, destination.get(), destination.get().acceptedAt())) : Optional.empty());
        });
    }

    /** Moves a failed event into the dead-letter store (keeping at most {@code maxPerFunction}); false if it is gone. */
    CompletableFuture<Boolean> deadLetter(long seq, DeadLetter letter, int maxPerFunction) {
        return submit(false, c -> {
            if (!delete(c, seq)) {
                return false;
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO dead_letters (id, function, qualifier, payload,"
                    + " condition, status_code, error_type, error_message, attempts, enqueued_at, failed_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, letter.id());
                s.setString(2, letter.functionName());
                s.setString(3, letter.qualifier());
                s.setBytes(4, letter.payload());
                s.setString(5, letter.condition().name());
                s.setInt(6, letter.statusCode());
                s.setString(7, letter.errorType());
                s.setString(8, letter.errorMessage());
                s.setInt(9, letter.attempts());
                s.setLong(10, letter.enqueuedAt().toEpochMilli());
                s.setLong(11, letter.failedAt().toEpochMilli());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM dead_letters WHERE function = ? AND seq <="
                    + " (SELECT seq FROM dead_letters WHERE function = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)")) {
                s.setString(1, letter.functionName());
                s.setString(2, letter.functionName());
                s.setInt(3, maxPerFunction);
                int dropped = s.executeUpdate();
                if (dropped > 0) {
                    log.warn("dead-letter store of {} full ({}): dropped the {} oldest", letter.functionName(),
                            maxPerFunction, dropped);
                }
            }
            return true;
        });
    }

    private static boolean delete(Connection c, long seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM events WHERE seq = ?")) {
            s.setLong(1, seq);
            return s.executeUpdate() == 1;
        }
    }

    /** A function's dead letters, oldest first. */
    CompletableFuture<List<DeadLetter>> deadLetters(String function, int max) {
        return submit(false, c -> {
            List<DeadLetter> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id, function, qualifier, payload, condition,"
                    + " status_code, error_type, error_message, attempts, enqueued_at, failed_at"
                    + " FROM dead_letters WHERE function = ? ORDER BY seq LIMIT ?")) {
                s.setString(1, function);
                s.setInt(2, max);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeadLetter(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                                FailureCondition.valueOf(rs.getString(5)), rs.getInt(6), rs.getString(7),
                                rs.getString(8), rs.getInt(9), Instant.ofEpochMilli(rs.getLong(10)),
                                Instant.ofEpochMilli(rs.getLong(11))));
                    }
                }
            }
            return out;
        });
    }

    /** How many dead letters a function has. */
    CompletableFuture<Integer> deadLetterCount(String function) {
        return submit(false, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM dead_letters WHERE function = ?")) {
                s.setString(1, function);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.getInt(1);
                }
            }
        });
    }

    /** Dead letters per function. */
    CompletableFuture<Map<String, Integer>> deadLetterCounts() {
        return submit(false, c -> {
            Map<String, Integer> out = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT function, COUNT(*) FROM dead_letters GROUP BY function");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
            return out;
        });
    }

    /**
     * Moves up to {@code max} of a function's dead letters (or the one with {@code id}) back into the queue,
     * with no invocations counted and their age starting {@code now}, in one transaction; the new events.
     */
    CompletableFuture<List<EventRef>> replay(String function, Optional<String> id, int max, Instant now) {
        return submit(true, c -> {
            List<EventRef> out = new ArrayList<>();
            List<Long> moved = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT seq, id, qualifier, payload FROM dead_letters"
                    + " WHERE function = ?" + (id.isPresent() ? " AND id = ?" : "") + " ORDER BY seq LIMIT ?")) {
                s.setString(1, function);
                if (id.isPresent()) {
                    s.setString(2, id.get());
                }
                s.setInt(id.isPresent() ? 3 : 2, max);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        NewEvent e = new NewEvent(rs.getString(2), function, rs.getString(3), rs.getBytes(4), now);
                        out.add(new EventRef(insert(c, e, now), function, e.qualifier(), now, now, 0, 0));
                        moved.add(rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM dead_letters WHERE seq = ?")) {
                for (long seq : moved) {
                    s.setLong(1, seq);
                    s.executeUpdate();
                }
            }
            return out;
        });
    }

    /** Drops a function's events and dead letters; how many events were dropped. */
    CompletableFuture<Integer> deleteFunction(String function) {
        return submit(true, c -> {
            int events;
            try (PreparedStatement s = c.prepareStatement("DELETE FROM events WHERE function = ?")) {
                s.setString(1, function);
                events = s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM dead_letters WHERE function = ?")) {
                s.setString(1, function);
                s.executeUpdate();
            }
            return events;
        });
    }

    /** Commits what is pending, checkpoints the WAL and closes the file; later operations fail with Closed. */
    @Override
    public void close() {
        submitLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            // the thread drains without this lock, so a full queue makes room
            pending.put(STOP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            submitLock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                log.warn("events database did not close within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
