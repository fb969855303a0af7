package io.kindling.worker.runtimeapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Turns what a runtime posted to {@code /error} or {@code /init/error} into the body the caller receives.
 *
 * <p>Lambda's rule: the runtime should send {@code {"errorMessage","errorType","stackTrace"}}; if the body can't
 * be read, the error is built from the {@code Lambda-Runtime-Function-Error-Type} header. Here a body that is a JSON
 * object passes through byte for byte; anything else is replaced by
 * {@code {"errorMessage":<the body's text, if it was UTF-8>,"errorType":<header>}}.
 */
final class RuntimeErrorReports {
    /** The type when the header is missing and the body names none. */
    static final String UNKNOWN_ERROR_TYPE = "Runtime.Unknown";
    static final String UNKNOWN_ERROR_MESSAGE = "Unknown application error occurred";
    static final String OVERSIZE_ERROR_MESSAGE = "The runtime's error report exceeded the maximum allowed size ("
            + RuntimeOutcome.MAX_RESPONSE_BYTES + " bytes).";

    private static final ObjectMapper json = JsonMapper.builder().build();

    private RuntimeErrorReports() {}

    /** The caller-visible type and body of one error report. */
    record Report(String errorType, byte[] body) {}

    /**
     * @param errorTypeHeader the {@code Lambda-Runtime-Function-Error-Type} header, if sent
     * @param body the posted body, or empty when it was over {@link RuntimeOutcome#MAX_RESPONSE_BYTES} and dropped
     */
    static Report read(Optional<String> errorTypeHeader, Optional<byte[]> body) {
        Optional<String> headerType = errorTypeHeader.map(String::strip).filter(type -> !type.isEmpty());
        if (body.isPresent() && parseObject(body.get()) instanceof ObjectNode object) {
            JsonNode bodyType = object.get("errorType");
            String type = headerType.orElseGet(() -> bodyType != null && bodyType.isTextual() && !bodyType.asText().isBlank()
                    ? bodyType.asText() : UNKNOWN_ERROR_TYPE);
            return new Report(type, body.get());
        }
        String type = headerType.orElse(UNKNOWN_ERROR_TYPE);
        String message = body.isEmpty() ? OVERSIZE_ERROR_MESSAGE
                : utf8(body.get()).map(String::strip).filter(text -> !text.isEmpty()).orElse(UNKNOWN_ERROR_MESSAGE);
        ObjectNode built = json.createObjectNode();
        built.put("errorMessage", message);
        built.put("errorType", type);
        try {
            return new Report(type, json.writeValueAsBytes(built));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("two strings always serialise", e);
        }
    }

    private static JsonNode parseObject(byte[] body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            // Not JSON (or beyond Jackson's nesting limits): treated as unreadable, as Lambda does.
            return null;
        }
    }

    private static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
