package io.kindling.frontend.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** The two ways a signed request states its time, and the one way SigV4 writes it. */
final class AmzDate {
    /** ISO 8601 basic format, UTC: {@code 20150830T123600Z}. */
    private static final DateTimeFormatter BASIC =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                    .withResolverStyle(ResolverStyle.STRICT);

    /** RFC 1123 after the weekday: {@code 09 Sep 2011 23:36:00 GMT}. */
    private static final DateTimeFormatter HTTP_DATE_WITHOUT_WEEKDAY =
            DateTimeFormatter.ofPattern("d MMM uuuu HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC)
                    .withResolverStyle(ResolverStyle.STRICT);

    private AmzDate() {}

    /** Parses an {@code X-Amz-Date}. */
    static Instant parseBasic(String text) throws AuthException {
        try {
            return Instant.from(BASIC.parse(text));
        } catch (DateTimeParseException e) {
            throw notIso8601(text);
        }
    }

    /**
     * Parses an RFC 1123 {@code Date} header, the fallback when there is no {@code X-Amz-Date}. The
     * day of the week is skipped, not checked: it adds nothing, and AWS's own test suite signs a
     * {@code Mon, 09 Sep 2011} that was a Friday.
     */
    static Instant parseHttpDate(String text) throws AuthException {
        String stripped = text.strip();
        int comma = stripped.indexOf(',');
        try {
            return Instant.from(HTTP_DATE_WITHOUT_WEEKDAY.parse(stripped.substring(comma + 1).strip()));
        } catch (DateTimeParseException e) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "Date must be in RFC 1123 format when there is no X-Amz-Date header. Got '" + text + "'.");
        }
    }

    static String format(Instant instant) {
        return BASIC.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    /** How AWS writes the allowed skew in its expiry messages: {@code 15 min.}. */
    static String describe(Duration skew) {
        return skew.toSecondsPart() == 0 && skew.toMillisPart() == 0
                ? skew.toMinutes() + " min."
                : skew.toSeconds() + " sec.";
    }

    private static AuthException notIso8601(String text) {
        return new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                "Date must be in ISO-8601 'basic format'. Got '" + text + "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
}
