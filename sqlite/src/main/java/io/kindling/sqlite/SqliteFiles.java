package io.kindling.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** How Kindling opens its SQLite files: WAL, fsynced commits, transactions the caller commits. */
public final class SqliteFiles {
    private SqliteFiles() {}

    /**
     * Opens {@code file} in WAL mode with {@code synchronous=FULL} and auto-commit off, then runs the caller's own
     * {@code pragmas} (e.g. {@code foreign_keys=ON}).
     */
    public static Connection open(Path file, String... pragmas) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            for (String pragma : pragmas) {
                s.execute("PRAGMA " + pragma);
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        c.setAutoCommit(false);
        return c;
    }
}
