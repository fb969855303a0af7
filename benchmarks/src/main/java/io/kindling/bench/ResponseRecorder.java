package io.kindling.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Keeps the exact bytes Kindling answered per operation, and the size of the body the SDK sent,
 * so the do-nothing server can answer the SDK with the same bytes and the raw-upload baseline can
 * send as many bytes as the SDK did.
 */
final class ResponseRecorder implements ExecutionInterceptor {
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
    private final Map<String, Long> requestSizes = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        context.httpRequest().firstMatchingHeader("Content-Length")
                .ifPresent(length -> requestSizes.put(operation(attributes), Long.parseLong(length)));
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty()) {
            return body;
        }
        try {
            byte[] bytes = body.get().readAllBytes();
            answers.put(operation(attributes), bytes);
            return Optional.of(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] answer(String operation) {
        byte[] bytes = answers.get(operation);
        if (bytes == null) {
            throw new IllegalStateException("no " + operation + " answer recorded");
        }
        return bytes;
    }

    long requestSize(String operation) {
        Long size = requestSizes.get(operation);
        if (size == null) {
            throw new IllegalStateException("no " + operation + " request size recorded");
        }
        return size;
    }

    private static String operation(ExecutionAttributes attributes) {
        return attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }
}
