package io.kindling.registry;

import io.kindling.sqlite.SchemaMigrations;
import io.kindling.sqlite.SqliteFiles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's SQLite file, owned by one dedicated platform thread ("registry-db").
 *
 * <p>Every transaction runs on that thread, one after another. That gives SQLite the single
 * writer it wants, makes each check-then-write atomic without locks, and keeps the JDBC driver's
 * native calls off virtual-thread carriers: callers (virtual threads) just block on a future.
 * Durability: WAL with {@code synchronous=FULL}, so a committed transaction survives kill -9 and
 * power loss.
 */
final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** Migrations in order; the SQLite {@code user_version} pragma records how many have run. */
    private static final SchemaMigrations MIGRATIONS = new SchemaMigrations("registry", "/db/migration",
            List.of("V1__functions_versions_aliases.sql",
            "V2__event_invoke_and_provisioned_concurrency.sql", "V3__container_images.sql"));

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException, RegistryException;
    }

    private final ExecutorService thread =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("registry-db").daemon(true).factory());
    private final Connection connection;
    /**
     * Transactions committed so far, other than {@link #read}s; written on the database thread right after each
     * commit, before its caller hears of it. A value read at generation g is still the database's while this is g.
     */
    private volatile long generation;

    Database(Path file) throws SQLException, RegistryException {
        this.connection = onThread(() -> open(file));
        transaction(this::migrate);
    }

    private static Connection open(Path file) throws SQLException {
        return SqliteFiles.open(file, "foreign_keys=ON");
    }

    private Void migrate(Connection c) throws SQLException {
        MIGRATIONS.apply(c);
        return null;
    }

    /** Runs {@code work} in one transaction on the database thread: all of it commits or none. */
    <T> T transaction(Work<T> work) throws RegistryException {
        return transaction(work, result -> {});
    }

    /**
     * As {@link #transaction(Work)}, then runs {@code afterCommit} on the database thread once the commit
     * succeeded. In-memory copies of rows are updated there: since every commit runs on this one thread,
     * they change in commit order and never hold a value older than the database's.
     */
    <T> T transaction(Work<T> work, Consumer<? super T> afterCommit) throws RegistryException {
        return commit(work, true, afterCommit).value();
    }

    /** A value read from the database and the {@link #generation()} it was read at. */
    record Read<T>(T value, long generation) {}

    /**
     * Runs {@code work}, which must only read, in one transaction on the database thread, and returns its result
     * with the generation it saw. Unlike {@link #transaction} it does not advance the generation, so a cache of reads
     * stays valid across other reads.
     */
    <T> Read<T> read(Work<T> work) throws RegistryException {
        return commit(work, false, result -> {});
    }

    private <T> Read<T> commit(Work<T> work, boolean advances, Consumer<? super T> afterCommit)
            throws RegistryException {
        try {
            return onThread(() -> {
                T result;
                try {
                    result = work.run(connection);
                    connection.commit();
                } catch (SQLException | RegistryException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
                if (advances) {
                    generation++;
                }
                afterCommit.accept(result);
                return new Read<>(result, generation);
            });
        } catch (SQLException e) {
            throw new RegistryException.StorageFailure(e);
        }
    }

    /** How many transactions have committed (reads aside); see {@link #read}. */
    long generation() {
        return generation;
    }

    @FunctionalInterface
    private interface OnThread<T> {
        T call() throws SQLException, RegistryException;
    }

    private <T> T onThread(OnThread<T> task) throws SQLException, RegistryException {
        Future<T> future = thread.submit(task::call);
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the registry database", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case SQLException s -> throw s;
                case RegistryException r -> throw r;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new SQLException(e.getCause());
            }
        }
    }

    /** Finishes queued transactions, then closes the file cleanly (WAL checkpointed). */
    @Override
    public void close() {
        thread.submit(() -> {
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            connection.close();
            return null;
        });
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("registry database did not close within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
