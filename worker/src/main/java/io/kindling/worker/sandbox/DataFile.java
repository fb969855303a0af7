package io.kindling.worker.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A TAB-separated data file shipped beside a class (flags, root binds, forbidden paths, runtimes). Every
 * row ends in a reason, because a list of flags or paths nobody can explain is a list nobody dares
 * to change. Blank lines and lines starting with {@code #} are comments.
 */
public final class DataFile {
    /** One row: its fields, the last one being the reason, and where it came from for messages. */
    public record Row(String file, int line, List<String> fields) {
        public Row {
            fields = List.copyOf(fields);
        }

        public String field(int index) {
            return fields.get(index);
        }

        public String reason() {
            return fields.getLast();
        }

        public String where() {
            return file + ":" + line;
        }
    }

    private DataFile() {}

    /**
     * Reads a resource next to this class. A malformed file is a packaging bug, not a run-time
     * condition, so it fails with an unchecked exception naming the line.
     */
    static List<Row> read(String resource, int columns) {
        return parse(resource, text(resource), columns, columns);
    }

    /**
     * Reads a resource next to {@code anchor} whose rows differ in length by kind (the first field), each with at
     * least a kind and a reason; the caller checks each kind's length.
     */
    public static List<Row> readBeside(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " beside " + anchor.getName());
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8), 2, Integer.MAX_VALUE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
    }

    static List<Row> parse(String name, String text, int columns) {
        return parse(name, text, columns, columns);
    }

    static List<Row> parse(String name, String text, int minColumns, int maxColumns) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            // Trailing spaces and CR go; a trailing TAB stays, so an empty reason is seen as one.
            String line = lines[i].replaceAll("[ \r]+$", "");
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (fields.length < minColumns || fields.length > maxColumns) {
                String expected = minColumns == maxColumns ? Integer.toString(minColumns) : "at least " + minColumns;
                throw new IllegalStateException(name + ":" + (i + 1) + ": expected " + expected + " TAB-separated fields (the last one the reason), found "
                        + fields.length + ": " + line);
            }
            for (String field : fields) {
                if (field.isBlank()) {
                    throw new IllegalStateException(name + ":" + (i + 1) + ": empty field (every entry needs a reason): " + line);
                }
            }
            rows.add(new Row(name, i + 1, List.of(fields)));
        }
        return List.copyOf(rows);
    }

    /** A whole resource as text, for the launcher script and the generated /etc files. */
    static String text(String resource) {
        try (InputStream in = DataFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " beside " + DataFile.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
    }
}
