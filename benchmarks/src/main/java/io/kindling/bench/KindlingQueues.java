package io.kindling.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kindling's own view of its async queues and function logs, read over plain keep-alive HTTP from a server running
 * with {@code --auth none}: {@code GET /kindling/2026-11-27/queues} and {@code GET
 * /kindling/2026-11-27/functions/NAME/logs}. Only the async figures use it, to see when the queue has delivered.
 */
final class KindlingQueues {
    /**
     * One function's queue as the server reports it.
     *
     * @param depth       events waiting (queued, or waiting for a retry)
     * @param inFlight    events being delivered
     * @param deadLetters events that failed for good
     */
    record Queue(String function, long depth, long inFlight, long deadLetters) {
        static final Queue EMPTY = new Queue("", 0, 0, 0);

        /** Events not delivered yet: what has to reach 0 before the queue has done its work. */
        long pending() {
            return depth + inFlight;
        }
    }

    /**
     * When a function's queue was first seen empty.
     *
     * @param answeredNanos      {@link System#nanoTime()} when the answer saying so arrived
     * @param pendingAtFirstPoll queued + in flight at the first poll (the backlog left when polling began)
     */
    record Drained(long answeredNanos, long pendingAtFirstPoll) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String endpoint;

    KindlingQueues(String endpoint) {
        this.endpoint = endpoint;
    }

    /** Every function the server lists; a function it does not list has nothing queued, in flight or dead. */
    Map<String, Queue> list() throws IOException {
        Map<String, Queue> queues = new HashMap<>();
        for (JsonNode q : get("/kindling/2026-11-27/queues").path("Queues")) {
            Queue queue = new Queue(q.path("FunctionName").asText(), q.path("Depth").asLong(), q.path("InFlight").asLong(),
                    q.path("DeadLetters").asLong());
            queues.put(queue.function(), queue);
        }
        return queues;
    }

    Queue of(String function) throws IOException {
        return list().getOrDefault(function, Queue.EMPTY);
    }

    /**
     * Polls every {@code interval} until the function has nothing queued or in flight. An event is in the queue's
     * counts before its 202 is sent, so once every accept has been answered, 0 means delivered, not "not seen yet".
     *
     */
    Drained awaitDrained(String function, Duration interval, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long first = -1;
        while (true) {
            Queue queue = of(function);
            long answered = System.nanoTime();
            if (first < 0) {
                first = queue.pending();
            }
            if (queue.pending() == 0) {
                return new Drained(answered, first);
            }
            if (answered > deadline) {
                throw new IllegalStateException(function + ": still " + queue.depth() + " queued and " + queue.inFlight()
                        + " in flight after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(interval);
        }
    }

    /** The messages of the function's newest {@code tail} log events, oldest first. */
    List<String> logTail(String function, int tail) throws IOException {
        List<String> messages = new ArrayList<>();
        for (JsonNode event : get("/kindling/2026-11-27/functions/" + function + "/logs?tail=" + tail).path("Events")) {
            messages.add(event.path("Message").asText());
        }
        return messages;
    }

    private JsonNode get(String path) throws IOException {
        return JSON.readTree(KindlingGet.body(endpoint, path));
    }
}
