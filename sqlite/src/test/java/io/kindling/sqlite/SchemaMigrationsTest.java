package io.kindling.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaMigrationsTest {
    @TempDir
    Path dir;

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("test.db"));
        c.setAutoCommit(false);
        return c;
    }

    private static int version(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    @Test
    void runsTheMissingScriptsInOrderOnceEach() throws SQLException {
        SchemaMigrations first = new SchemaMigrations("test", "/db/test", List.of("V1__first.sql"));
        SchemaMigrations both = new SchemaMigrations("test", "/db/test", List.of("V1__first.sql", "V2__second.sql"));
        try (Connection c = open()) {
            first.apply(c);
            c.commit();
            assertThat(version(c)).isEqualTo(1);
            both.apply(c);
            both.apply(c); // nothing left to run
            c.commit();
            assertThat(version(c)).isEqualTo(2);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO things(name, size) VALUES ('a', 1)");
            }
        }
    }

    @Test
    void aFileFromANewerKindlingIsRefused() throws SQLException {
        try (Connection c = open()) {
            new SchemaMigrations("test", "/db/test", List.of("V1__first.sql", "V2__second.sql")).apply(c);
            c.commit();
            assertThatThrownBy(() -> new SchemaMigrations("test", "/db/test", List.of("V1__first.sql")).apply(c))
                    .isInstanceOf(SQLException.class).hasMessageContaining("schema version 2")
                    .hasMessageContaining("knows only 1");
        }
    }

    @Test
    void commentsAreDroppedAndStatementsSplit() {
        assertThat(new SchemaMigrations("test", "/db/test", List.of()).statements("V1__first.sql")).containsExactly(
                "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE INDEX things_name ON things(name)");
        assertThatThrownBy(() -> new SchemaMigrations("test", "/db/test", List.of()).statements("missing.sql"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("missing from the jar");
    }
}
