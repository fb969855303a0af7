package io.kindling.worker.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One record per line: {@code {"t":<epoch ms>,"s":"<log stream>","m":"<message>"}\n}, UTF-8. JSON escapes every
 * control character, so a record never contains a raw line break and {@code \n} alone delimits records: a reader
 * needs no other framing, and a record cut short by a crash is simply a last line without its {@code \n}.
 */
final class RecordCodec {
    /**
     * Above any record {@link FunctionLogs#append} accepts: a message of {@link EnvironmentLog#MAX_EVENT_BYTES}
     * control characters escapes to six bytes each, plus a stream name of 512 such characters. A longer line in a
     * segment is not ours, and is skipped without being held in memory.
     */
    static final int MAX_RECORD_BYTES = 6 * (EnvironmentLog.MAX_EVENT_BYTES + LogEvent.MAX_STREAM_NAME_CHARS) + 64;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private RecordCodec() {}

    static byte[] encode(LogEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(event.message().length() + event.stream().length() + 48);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("t", event.timestampMillis());
            json.writeStringField("s", event.stream());
            json.writeStringField("m", event.message());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** The event in {@code line} (without its {@code \n}), or null if the line is not a whole record. */
    static LogEvent decode(byte[] line, int length) {
        Long timestamp = null;
        String stream = null;
        String message = null;
        try (JsonParser json = JSON.createParser(line, 0, length)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken token;
            while ((token = json.nextToken()) == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "t" -> timestamp = value == JsonToken.VALUE_NUMBER_INT ? json.getLongValue() : null;
                    case "s" -> stream = value == JsonToken.VALUE_STRING ? json.getText() : null;
                    case "m" -> message = value == JsonToken.VALUE_STRING ? json.getText() : null;
                    default -> json.skipChildren(); // a field a later version added
                }
            }
            if (token != JsonToken.END_OBJECT || json.nextToken() != null) {
                return null; // cut short, or two records run together
            }
        } catch (IOException | RuntimeException notARecord) {
            // Bytes a crash left (zeros, half a record followed by the next): skipped, never fatal to the reader.
            return null;
        }
        if (timestamp == null || stream == null || message == null || stream.isEmpty()
                || stream.length() > LogEvent.MAX_STREAM_NAME_CHARS) {
            return null;
        }
        return new LogEvent(timestamp, stream, message);
    }
}
