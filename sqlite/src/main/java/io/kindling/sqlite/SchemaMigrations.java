package io.kindling.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SQLite file's schema, as numbered migration scripts in the jar: {@code PRAGMA user_version} records how many have
 * run, the missing ones run in order, and a file newer than this Kindling is refused rather than misread.
 *
 * @param database  the file's name in messages ("registry", "events")
 * @param directory the scripts' resource directory, e.g. {@code /db/migration}
 * @param scripts   the scripts in order; one only ever appends to this list
 */
public record SchemaMigrations(String database, String directory, List<String> scripts) {
    private static final Logger log = LoggerFactory.getLogger(SchemaMigrations.class);

    public SchemaMigrations {
        scripts = List.copyOf(scripts);
    }

    /** Runs the missing scripts on {@code connection}, in the caller's transaction (the caller commits). */
    public void apply(Connection connection) throws SQLException {
        int applied;
        try (Statement s = connection.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            applied = rs.getInt(1);
        }
        if (applied > scripts.size()) {
            throw new SQLException("The " + database + " database has schema version " + applied
                    + " but this Kindling knows only " + scripts.size() + "; use a newer Kindling.");
        }
        for (int i = applied; i < scripts.size(); i++) {
            try (Statement s = connection.createStatement()) {
                for (String statement : statements(scripts.get(i))) {
                    s.execute(statement);
                }
                s.execute("PRAGMA user_version=" + (i + 1));
            }
            log.info("{} schema migrated to version {} ({})", database, i + 1, scripts.get(i));
        }
    }

    /** The script's statements: {@code --} comments dropped, split at {@code ;}. */
    List<String> statements(String script) {
        try (InputStream in = SchemaMigrations.class.getResourceAsStream(directory + "/" + script)) {
            if (in == null) {
                throw new IllegalStateException("migration missing from the jar: " + directory + "/" + script);
            }
            StringBuilder sql = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int comment = line.indexOf("--");
                sql.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
            }
            List<String> out = new ArrayList<>();
            for (String statement : sql.toString().split(";")) {
                if (!statement.isBlank()) {
                    out.add(statement.strip());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
