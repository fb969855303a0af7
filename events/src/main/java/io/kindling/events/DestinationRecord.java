package io.kindling.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Lambda's invocation record, the payload a destination function receives:
 *
 * <pre>{"version":"1.0","timestamp":"2026-11-27T14:00:00.000Z",
 *  "requestContext":{"requestId":…,"functionArn":"…:function:f:$LATEST","condition":"Success",
 *                    "approximateInvokeCount":1},
 *  "requestPayload":{…},
 *  "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
 *  "responsePayload":{…}}</pre>
 *
 * {@code functionError} only when the function failed; {@code responsePayload} and
 * {@code executedVersion} only when it ran. Payloads that are JSON are embedded as JSON, others as strings.
 */
final class DestinationRecord {
    static final String SUCCESS = "Success";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private DestinationRecord() {}

    /**
     * @param condition {@link #SUCCESS} or a {@link FailureCondition} name
     * @param invokeCount how many times the function ran for this event
     */
    static byte[] build(Instant timestamp, String requestId, String functionArn, String condition, int invokeCount,
                        byte[] requestPayload, LastOutcome outcome) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode record = f.objectNode();
        record.put("version", "1.0");
        record.put("timestamp", TIMESTAMP.format(timestamp));
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", requestId);
        context.put("functionArn", functionArn);
        context.put("condition", condition);
        context.put("approximateInvokeCount", invokeCount);
        record.set("requestPayload", asJson(requestPayload));
        ObjectNode response = record.putObject("responseContext");
        response.put("statusCode", outcome.statusCode());
        if (outcome.ran()) {
            if (outcome.executedVersion() != null) {
                response.put("executedVersion", outcome.executedVersion());
            }
            if (outcome.functionError() != null) {
                response.put("functionError", outcome.functionError());
            }
            record.set("responsePayload", asJson(outcome.response()));
        }
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The payload as JSON; empty as null; not JSON as a JSON string of its UTF-8 text. */
    private static JsonNode asJson(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return JsonNodeFactory.instance.nullNode();
        }
        try {
            JsonNode node = JSON.readTree(payload);
            return node.isMissingNode() ? JsonNodeFactory.instance.nullNode() : node;
        } catch (IOException notJson) {
            return JsonNodeFactory.instance.textNode(new String(payload, StandardCharsets.UTF_8));
        }
    }
}
