package io.kindling.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.http.SdkHttpMethod;

/** Kindling's own API (logs, queues, dead letters, storage, metrics), signed as the CLI signs it, answers parsed. */
final class KindlingCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AuthSigning signing;

    KindlingCalls(String endpoint) {
        this.signing = new AuthSigning(endpoint);
    }

    JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        return call(SdkHttpMethod.GET, pathAndQuery);
    }

    JsonNode post(String pathAndQuery) throws IOException, InterruptedException {
        return call(SdkHttpMethod.POST, pathAndQuery);
    }

    /** A GET whose answer is not JSON (the metrics), as text. */
    String getText(String pathAndQuery) throws IOException, InterruptedException {
        return text(SdkHttpMethod.GET, pathAndQuery);
    }

    private JsonNode call(SdkHttpMethod method, String pathAndQuery) throws IOException, InterruptedException {
        return JSON.readTree(text(method, pathAndQuery));
    }

    private String text(SdkHttpMethod method, String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = AuthSigning.send(signing.sign(signing.request(method, pathAndQuery),
                new byte[0]));
        if (response.statusCode() != 200) {
            throw new IOException(method + " " + pathAndQuery + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    /** Every stored log message of the function, oldest first (up to the API's 10,000). */
    List<String> logMessages(String function) throws IOException, InterruptedException {
        JsonNode page = get("/kindling/2026-11-27/functions/" + encode(function) + "/logs?tail=10000");
        List<String> messages = new ArrayList<>();
        page.path("Events").forEach(e -> messages.add(e.path("Message").asText()));
        return messages;
    }

    /** The request ids of the function's invocations, in the order they started (one per START line). */
    List<String> startedRequestIds(String function) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (String message : logMessages(function)) {
            if (message.startsWith("START RequestId: ")) {
                ids.add(message.substring("START RequestId: ".length()).split(" ")[0]);
            }
        }
        return ids;
    }

    JsonNode queues() throws IOException, InterruptedException {
        return get("/kindling/2026-11-27/queues").path("Queues");
    }

    JsonNode deadLetters(String function) throws IOException, InterruptedException {
        return get("/kindling/2026-11-27/functions/" + encode(function) + "/dead-letters").path("DeadLetters");
    }

    int replay(String function, String id) throws IOException, InterruptedException {
        String query = id == null ? "" : "?Id=" + encode(id);
        return post("/kindling/2026-11-27/functions/" + encode(function) + "/dead-letters/replay" + query)
                .path("Replayed").asInt();
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
