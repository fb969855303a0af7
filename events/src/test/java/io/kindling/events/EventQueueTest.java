package io.kindling.events;

import static io.kindling.events.ScriptedDelivery.success;
import static io.kindling.events.ScriptedDelivery.unhandled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue on a real SQLite file: durability, retries, destinations, dead letters, fairness, bounds. */
class EventQueueTest {
    static final FunctionArns ARNS = new FunctionArns("us-east-1", "123456789012");
    static final String DEST_ARN = "arn:aws:lambda:us-east-1:123456789012:function:dest";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    final ScriptedDelivery delivery = new ScriptedDelivery();
    final Map<String, EventInvokeSettings> settings = new ConcurrentHashMap<>();
    final List<EventQueue> opened = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger ids = new AtomicInteger();

    /** Fast delays: retries 100 ms × n, throttles 10 ms doubling to 40 ms. */
    static EventQueueConfig fast() {
        return EventQueueConfig.defaults().withParallelism(4)
                .withDelays(Duration.ofMillis(100), Duration.ofMillis(10), Duration.ofMillis(40))
                .withCloseGrace(Duration.ofSeconds(2));
    }

    EventQueue open(EventQueueConfig config) throws Exception {
        return open(config, delivery);
    }

    EventQueue open(EventQueueConfig config, EventDelivery d) throws Exception {
        EventQueue q = EventQueue.open(dir, config, d,
                (f, qualifier) -> settings.getOrDefault(f, EventInvokeSettings.DEFAULTS), ARNS);
        opened.add(q);
        return q;
    }

    @AfterEach
    void closeAll() {
        release.countDown();
        opened.reversed().forEach(EventQueue::close);
    }

    NewEvent event(String function, String payload) {
        return new NewEvent("req-" + ids.incrementAndGet(), function, "$LATEST", payload.getBytes(), Instant.now());
    }

    static EventInvokeSettings settings(int retries, Optional<String> onSuccess, Optional<String> onFailure) {
        return new EventInvokeSettings(retries, EventInvokeSettings.MAX_EVENT_AGE, onSuccess, onFailure);
    }

    static <T> T done(CompletableFuture<T> f) throws Exception {
        return f.get(ScriptedDelivery.LIVENESS.toMillis(), TimeUnit.MILLISECONDS);
    }

    static JsonNode json(QueuedEvent e) throws Exception {
        return JSON.readTree(e.payload());
    }

    /** Waits (bounded) until the queue's stats satisfy {@code test}; visibility is eventually consistent. */
    static void eventually(EventQueue q, java.util.function.Predicate<List<QueueStats>> test) throws Exception {
        long deadline = System.nanoTime() + ScriptedDelivery.LIVENESS.toNanos();
        while (!test.test(q.queues())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queue never reached the expected state: " + q.queues());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
    }

    // ---- durability

    @Test
    void eventsStoredBeforeACrashAreAllDeliveredAfterReopeningInFlightOnesIncluded() throws Exception {
        delivery.on("f", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        EventQueue crashed = open(fast().withParallelism(1));
        Set<String> stored = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            NewEvent e = event("f", "{\"i\":" + i + "}");
            done(crashed.enqueue(e));
            stored.add(e.id());
        }
        eventually(crashed, s -> s.getFirst().inFlight() == 1);

        // the first queue is abandoned, never closed: its in-flight event must come back too
        ScriptedDelivery after = new ScriptedDelivery();
        EventQueue reopened = open(fast(), after);
        Set<String> delivered = new HashSet<>();
        while (delivered.size() < 50) {
            delivered.add(after.next().id());
        }
        assertThat(delivered).isEqualTo(stored);
        eventually(reopened, List::isEmpty);
    }

    @Test
    void nothingAcknowledgedIsLostToKillMinus9() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), CrashingEnqueuer.class.getName(), dir.toString(), "20000")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Set<String> acknowledged = new HashSet<>();
        Set<String> inFlight = new HashSet<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ok ")) {
                    acknowledged.add(line.substring(3));
                } else if (line.startsWith("delivering ")) {
                    inFlight.add(line.substring(11));
                }
                if ((acknowledged.size() >= 500 && !inFlight.isEmpty()) || line.equals("all enqueued")) {
                    // SIGKILL: no shutdown hook, no checkpoint, no close; acks still in the pipe are not counted
                    child.destroyForcibly();
                    break;
                }
            }
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(500);
        assertThat(inFlight).as("deliveries were in flight at the kill").isNotEmpty();

        EventQueue reopened = open(fast().withParallelism(8));
        Set<String> delivered = new HashSet<>();
        while (!delivered.containsAll(acknowledged)) {
            delivered.add(delivery.next().id());
        }
        assertThat(delivered).containsAll(inFlight);
        eventually(reopened, List::isEmpty);
    }

    @Test
    void closeLeavesUndeliveredEventsOnDiskForTheNextOpen() throws Exception {
        delivery.on("f", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        EventQueue first = open(fast().withParallelism(1).withCloseGrace(Duration.ofMillis(100)));
        NewEvent held = event("f", "{}");
        NewEvent waiting = event("f", "{}");
        done(first.enqueue(held));
        done(first.enqueue(waiting));
        eventually(first, s -> s.getFirst().inFlight() == 1);
        first.close(); // gives up on the held delivery after the grace

        ScriptedDelivery after = new ScriptedDelivery();
        EventQueue second = open(fast(), after);
        Set<String> delivered = Set.of(after.next().id(), after.next().id());
        assertThat(delivered).containsExactlyInAnyOrder(held.id(), waiting.id());
        eventually(second, List::isEmpty);
        release.countDown(); // the first queue's late answer finds its store closed and changes nothing
        assertThat(delivery.next().id()).isEqualTo(held.id());
        assertThat(second.queues()).isEmpty();
    }

    @Test
    void concurrentEnqueuesShareCommits() throws Exception {
        delivery.on("f", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        EventQueue q = open(fast().withParallelism(1));
        long before = q.commits();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            threads.add(Thread.ofVirtual().start(() -> {
                ScriptedDelivery.await(go);
                try {
                    q.enqueue(event("f", "{}")).whenComplete((v, t) -> {
                        if (t == null) {
                            ack.complete(null);
                        } else {
                            ack.completeExceptionally(t);
                        }
                    });
                } catch (QueueFullException e) {
                    ack.completeExceptionally(e);
                }
            }));
        }
        go.countDown();
        done(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)));
        long commits = q.commits() - before;
        assertThat(commits).as("transactions for 500 enqueues").isLessThan(100);
        assertThat(q.queues()).singleElement().satisfies(s -> assertThat(s.queued() + s.inFlight()).isEqualTo(500));
    }

    @Test
    void aFullQueueRefusesAtOnceAndHasRoomAgainWhenEventsLeave() throws Exception {
        delivery.on("f", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        EventQueue q = open(fast().withMaxQueuedEvents(3).withParallelism(1));
        for (int i = 0; i < 3; i++) {
            done(q.enqueue(event("f", "{}")));
        }
        assertThatThrownBy(() -> q.enqueue(event("g", "{}")))
                .isInstanceOfSatisfying(QueueFullException.class, e -> assertThat(e.limit).isEqualTo(3));
        release.countDown();
        eventually(q, List::isEmpty);
        done(q.enqueue(event("g", "{}")));
        assertThat(delivery.next("g").functionName()).isEqualTo("g");
    }

    // ---- retries

    @Test
    void functionErrorsAreRetriedTwiceWithGrowingDelaysThenDeadLettered() throws Exception {
        delivery.on("f", e -> unhandled("{\"errorMessage\":\"boom\",\"errorType\":\"Error\"}"));
        EventQueue q = open(fast().withParallelism(1));
        NewEvent first = event("f", "{\"n\":1}");
        NewEvent second = event("f", "{\"n\":2}");
        done(q.enqueue(first));
        done(q.enqueue(second));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 2);

        List<ScriptedDelivery.Start> starts = delivery.starts();
        assertThat(starts).hasSize(6);
        assertThat(starts.subList(0, 2)).extracting(s -> s.event().id()).as("FIFO").containsExactly(first.id(),
                second.id());
        List<ScriptedDelivery.Start> ofFirst = starts.stream().filter(s -> s.event().id().equals(first.id())).toList();
        assertThat(ofFirst).extracting(s -> s.event().attempt()).containsExactly(1, 2, 3);
        assertThat(ofFirst.get(1).nanos() - ofFirst.get(0).nanos()).as("retry 1 waits 1 × base")
                .isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(ofFirst.get(2).nanos() - ofFirst.get(1).nanos()).as("retry 2 waits 2 × base")
                .isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());

        assertThat(q.deadLetters("f", 10)).hasSize(2).first().satisfies(d -> {
            assertThat(d.id()).isEqualTo(first.id());
            assertThat(d.qualifier()).isEqualTo("$LATEST");
            assertThat(new String(d.payload())).isEqualTo("{\"n\":1}");
            assertThat(d.condition()).isEqualTo(FailureCondition.RetriesExhausted);
            assertThat(d.statusCode()).isEqualTo(200);
            assertThat(d.errorType()).isEqualTo("Unhandled");
            assertThat(d.errorMessage()).isEqualTo("{\"errorMessage\":\"boom\",\"errorType\":\"Error\"}");
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.enqueuedAt()).isEqualTo(first.acceptedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            assertThat(d.failedAt()).isAfter(d.enqueuedAt());
        });
    }

    @Test
    void zeroRetriesMeansOneRun() throws Exception {
        settings.put("f", settings(0, Optional.empty(), Optional.empty()));
        delivery.on("f", e -> unhandled("{}"));
        EventQueue q = open(fast());
        done(q.enqueue(event("f", "{}")));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 1);
        assertThat(delivery.starts()).hasSize(1);
        assertThat(q.deadLetters("f", 10)).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(1));
    }

    @Test
    void throttlesAndServiceErrorsBackOffWithoutUsingAttempts() throws Exception {
        settings.put("f", settings(0, Optional.of(DEST_ARN), Optional.empty()));
        AtomicInteger calls = new AtomicInteger();
        delivery.on("f", e -> switch (calls.incrementAndGet()) {
            case 1, 3 -> new DeliveryResult.Throttled("reserved concurrency reached");
            case 2, 4 -> new DeliveryResult.ServiceError("worker unavailable");
            default -> success("{\"ok\":true}");
        });
        EventQueue q = open(fast());
        NewEvent e = event("f", "{}");
        done(q.enqueue(e));
        JsonNode record = json(delivery.next("dest"));

        List<ScriptedDelivery.Start> starts = delivery.starts().stream()
                .filter(s -> s.event().functionName().equals("f")).toList();
        assertThat(starts).extracting(s -> s.event().attempt()).containsExactly(1, 1, 1, 1, 1);
        // 10, 20, 40, 40 ms: doubling from the base, capped
        assertThat(starts.get(3).nanos() - starts.get(2).nanos()).isGreaterThanOrEqualTo(Duration.ofMillis(40).toNanos());
        assertThat(starts.get(4).nanos() - starts.get(3).nanos()).isGreaterThanOrEqualTo(Duration.ofMillis(40).toNanos());
        assertThat(record.at("/requestContext/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(1);
        eventually(q, List::isEmpty);
    }

    @Test
    void reservedConcurrencyZeroGoesStraightToTheFailurePath() throws Exception {
        delivery.on("f", e -> new DeliveryResult.ThrottledReservedZero());
        EventQueue q = open(fast());
        NewEvent e = event("f", "{}");
        done(q.enqueue(e));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 1);
        assertThat(delivery.starts()).hasSize(1);
        assertThat(q.deadLetters("f", 1)).singleElement().satisfies(d -> {
            assertThat(d.condition()).isEqualTo(FailureCondition.RetriesExhausted);
            assertThat(d.statusCode()).isEqualTo(429);
            assertThat(d.attempts()).isZero();
        });
    }

    @Test
    void anEventTooOldForItsNextTryFailsWithEventAgeExceeded() throws Exception {
        settings.put("f", settings(2, Optional.empty(), Optional.of(DEST_ARN + ":live")));
        delivery.on("f", e -> new DeliveryResult.Throttled("no capacity"));
        EventQueue q = open(fast());
        // accepted almost 6 hours ago: a few throttles later it is too old
        Instant accepted = Instant.now().minus(EventInvokeSettings.MAX_EVENT_AGE).plusMillis(300);
        NewEvent e = new NewEvent("req-old", "f", "$LATEST", "{\"k\":\"v\"}".getBytes(), accepted);
        done(q.enqueue(e));
        QueuedEvent toDest = delivery.next("dest");
        assertThat(toDest.qualifier()).isEqualTo("live");
        JsonNode record = json(toDest);
        assertThat(record.at("/requestContext/requestId").asText()).isEqualTo("req-old");
        assertThat(record.at("/requestContext/condition").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isZero();
        assertThat(record.get("requestPayload")).isEqualTo(JSON.readTree("{\"k\":\"v\"}"));
        assertThat(record.get("responseContext")).isEqualTo(JSON.readTree("{\"statusCode\":429}"));
        assertThat(record.has("responsePayload")).as("the function never ran").isFalse();
        assertThat(delivery.starts().stream().filter(s -> s.event().functionName().equals("f")).count())
                .isGreaterThan(1);
    }

    @Test
    void anEventAlreadyTooOldWhenDueIsNotDelivered() throws Exception {
        EventQueue q = open(fast());
        NewEvent e = new NewEvent("req-ancient", "f", "$LATEST", "{}".getBytes(),
                Instant.now().minus(Duration.ofHours(7)));
        done(q.enqueue(e));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 1);
        assertThat(delivery.starts()).isEmpty();
        assertThat(q.deadLetters("f", 1).getFirst().condition()).isEqualTo(FailureCondition.EventAgeExceeded);
    }

    // ---- destinations

    @Test
    void theOnFailureRecordCarriesEveryFieldOfLambdasRecord() throws Exception {
        settings.put("f", settings(1, Optional.empty(), Optional.of(DEST_ARN)));
        delivery.on("f", e -> new DeliveryResult.FunctionError(
                "{\"errorMessage\":\"boom\",\"errorType\":\"Error\"}".getBytes(), "7", "Unhandled"));
        EventQueue q = open(fast());
        NewEvent e = new NewEvent("req-1", "f", "prod", "{\"n\":1}".getBytes(), Instant.now());
        done(q.enqueue(e));
        QueuedEvent toDest = delivery.next("dest");
        assertThat(toDest.qualifier()).isEqualTo("$LATEST");
        assertThat(toDest.id()).isNotEqualTo("req-1");
        JsonNode r = json(toDest);

        assertThat(r.fieldNames()).toIterable().containsExactly("version", "timestamp", "requestContext",
                "requestPayload", "responseContext", "responsePayload");
        assertThat(r.get("version").asText()).isEqualTo("1.0");
        assertThat(r.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(Instant.parse(r.get("timestamp").asText())).isAfterOrEqualTo(
                e.acceptedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(r.get("requestContext")).isEqualTo(JSON.readTree("""
                {"requestId":"req-1","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:f:prod",
                 "condition":"RetriesExhausted","approximateInvokeCount":2}"""));
        assertThat(r.get("requestPayload")).isEqualTo(JSON.readTree("{\"n\":1}"));
        assertThat(r.get("responseContext")).isEqualTo(JSON.readTree(
                "{\"statusCode\":200,\"executedVersion\":\"7\",\"functionError\":\"Unhandled\"}"));
        assertThat(r.get("responsePayload")).isEqualTo(JSON.readTree("{\"errorMessage\":\"boom\",\"errorType\":\"Error\"}"));
        eventually(q, List::isEmpty);
        assertThat(q.deadLetters("f", 10)).as("a destination replaces the dead-letter store").isEmpty();
    }

    @Test
    void theOnSuccessRecordEmbedsJsonAndQuotesTheRest() throws Exception {
        settings.put("f", settings(2, Optional.of(DEST_ARN + ":$LATEST"), Optional.empty()));
        delivery.on("f", e -> success("not json"));
        EventQueue q = open(fast());
        done(q.enqueue(new NewEvent("req-2", "f", "$LATEST", new byte[0], Instant.now())));
        JsonNode r = json(delivery.next("dest"));
        assertThat(r.at("/requestContext/condition").asText()).isEqualTo("Success");
        assertThat(r.at("/requestContext/functionArn").asText())
                .isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST");
        assertThat(r.get("requestPayload").isNull()).as("an empty payload is null").isTrue();
        assertThat(r.get("responseContext")).isEqualTo(JSON.readTree(
                "{\"statusCode\":200,\"executedVersion\":\"$LATEST\"}"));
        assertThat(r.get("responsePayload").asText()).isEqualTo("not json");
    }

    @Test
    void functionArnsOnlyNameFunctions() {
        assertThat(FunctionArns.parse("arn:aws:lambda:eu-west-1:123456789012:function:my-fn"))
                .contains(new FunctionArns.Target("my-fn", "$LATEST"));
        assertThat(FunctionArns.parse("arn:aws:lambda:eu-west-1:123456789012:function:my-fn:3"))
                .contains(new FunctionArns.Target("my-fn", "3"));
        assertThat(FunctionArns.parse("arn:aws:sqs:eu-west-1:123456789012:queue")).isEmpty();
        assertThat(FunctionArns.parse("arn:aws:lambda:eu-west-1:123456789012:function:f:a:b")).isEmpty();
    }

    // ---- dead letters

    @Test
    void deadLettersAreReplayedWithFreshAttemptsAndAge() throws Exception {
        settings.put("f", settings(0, Optional.empty(), Optional.empty()));
        delivery.on("f", e -> unhandled("{}"));
        EventQueue q = open(fast());
        NewEvent a = event("f", "{\"a\":1}");
        NewEvent b = event("f", "{\"b\":1}");
        done(q.enqueue(a));
        done(q.enqueue(b));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 2);

        delivery.next("f");
        delivery.next("f"); // the two failed runs
        delivery.on("f", e -> success("null"));
        assertThat(q.replay("f", Optional.of(b.id()))).isEqualTo(1);
        QueuedEvent again = delivery.next("f");
        assertThat(again.id()).isEqualTo(b.id());
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.acceptedAt()).isAfter(b.acceptedAt());
        assertThat(q.deadLetters("f", 10)).extracting(DeadLetter::id).containsExactly(a.id());

        assertThat(q.replay("f", Optional.empty())).isEqualTo(1);
        assertThat(delivery.next("f").id()).isEqualTo(a.id());
        eventually(q, List::isEmpty);
        assertThat(q.replay("f", Optional.empty())).isZero();
    }

    @Test
    void replayMovesOnlyWhatTheQueueHasRoomFor() throws Exception {
        settings.put("f", settings(0, Optional.empty(), Optional.empty()));
        delivery.on("f", e -> unhandled("{}"));
        EventQueue q = open(fast().withMaxQueuedEvents(2));
        for (int i = 1; i <= 3; i++) {
            done(q.enqueue(event("f", "{}")));
            int n = i;
            eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == n && s.getFirst().queued() == 0
                    && s.getFirst().inFlight() == 0);
        }
        delivery.on("f", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        assertThat(q.replay("f", Optional.empty())).isEqualTo(2);
        assertThat(q.deadLetters("f", 10)).hasSize(1);
        assertThatThrownBy(() -> q.enqueue(event("f", "{}"))).isInstanceOf(QueueFullException.class);
        assertThatThrownBy(() -> q.replay("f", Optional.empty())).isInstanceOf(QueueFullException.class);
        assertThat(q.replay("nobody", Optional.empty())).isZero();
    }

    @Test
    void aDeletedFunctionLosesItsQueuedEventsAndDeadLetters() throws Exception {
        settings.put("f", settings(0, Optional.empty(), Optional.empty()));
        delivery.on("f", e -> unhandled("{}"));
        delivery.on("blocker", e -> {
            ScriptedDelivery.await(release);
            return success("null");
        });
        EventQueue q = open(fast().withParallelism(1));
        done(q.enqueue(event("f", "{}")));
        eventually(q, s -> s.size() == 1 && s.getFirst().deadLetters() == 1);
        done(q.enqueue(event("blocker", "{}")));
        eventually(q, s -> s.stream().anyMatch(x -> x.functionName().equals("blocker") && x.inFlight() == 1));
        for (int i = 0; i < 3; i++) {
            done(q.enqueue(event("f", "{}")));
        }
        assertThat(q.queues()).filteredOn(s -> s.functionName().equals("f")).singleElement()
                .satisfies(s -> assertThat(s.queued()).isEqualTo(3));

        q.functionDeleted("f");
        assertThat(q.queues()).extracting(QueueStats::functionName).containsExactly("blocker");
        assertThat(q.deadLetters("f", 10)).isEmpty();
        release.countDown();
        eventually(q, List::isEmpty);
        assertThat(delivery.startedFunctions()).containsExactly("f", "blocker");
        // and nothing of it is stored any more
        q.close();
        EventQueue reopened = open(fast());
        assertThat(reopened.queues()).isEmpty();
        assertThat(reopened.deadLetters("f", 10)).isEmpty();
    }

    @Test
    void aGoneFunctionDropsTheEvent() throws Exception {
        delivery.on("f", e -> new DeliveryResult.FunctionGone());
        EventQueue q = open(fast());
        done(q.enqueue(event("f", "{}")));
        delivery.next("f");
        eventually(q, List::isEmpty);
        assertThat(q.deadLetters("f", 10)).isEmpty();
    }

    // ---- fairness

    @Test
    void aQuietFunctionsEventTakesTheNextFreeSlotDespiteANoisyBacklog() throws Exception {
        // noisy: 5,000 events, every delivery held until the test lets one go, then failing
        java.util.concurrent.Semaphore noisyMayFinish = new java.util.concurrent.Semaphore(0);
        delivery.on("noisy", e -> {
            noisyMayFinish.acquireUninterruptibly();
            return unhandled("{}");
        });
        EventQueue q = open(fast().withParallelism(4).withDelays(Duration.ofMillis(1), Duration.ofMillis(1),
                Duration.ofMillis(1)));
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            acks.add(q.enqueue(event("noisy", "{}")));
        }
        done(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)));
        eventually(q, s -> s.getFirst().inFlight() == 4);
        // let a few finish so retries mix into the backlog
        noisyMayFinish.release(8);
        eventually(q, s -> delivery.starts().size() == 12 && s.getFirst().inFlight() == 4);

        done(q.enqueue(event("quiet", "{}")));
        int quietEnqueuedAfter = delivery.starts().size();
        noisyMayFinish.release(1);
        assertThat(delivery.next("quiet").functionName()).isEqualTo("quiet");
        List<String> after = delivery.startedFunctions().subList(quietEnqueuedAfter,
                delivery.startedFunctions().size());
        assertThat(after).as("starts after the quiet event was accepted").first().isEqualTo("quiet");
        noisyMayFinish.release(100_000);
    }
}
