package io.kindling.worker.logs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in one function's log: a segment and a byte offset in it, always just after a whole record. It stays
 * valid across rotation: if its segment has been deleted meanwhile, reading continues at the oldest one left (the
 * events in between are gone, as in CloudWatch after retention).
 *
 * <p>{@link #token()} is the opaque text a client carries between polls ({@code kindling logs --follow}).
 */
public record LogCursor(long segment, long offset) {
    /** Before the oldest event still stored. */
    public static final LogCursor BEGINNING = new LogCursor(0, 0);

    private static final Pattern TOKEN = Pattern.compile("([0-9]{1,19})-([0-9]{1,19})");

    public LogCursor {
        if (segment < 0 || offset < 0) {
            throw new IllegalArgumentException("negative cursor: " + segment + "-" + offset);
        }
    }

    public String token() {
        return segment + "-" + offset;
    }

    /** Reads a {@link #token()}; refuses anything else with {@link IllegalArgumentException}. */
    public static LogCursor parse(String token) {
        Matcher m = token == null ? null : TOKEN.matcher(token);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("not a log cursor: " + token);
        }
        try {
            return new LogCursor(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        } catch (NumberFormatException tooLarge) {
            throw new IllegalArgumentException("not a log cursor: " + token, tooLarge);
        }
    }

    @Override
    public String toString() {
        return token();
    }
}
