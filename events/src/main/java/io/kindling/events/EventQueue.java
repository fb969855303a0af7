package io.kindling.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda's asynchronous invocation queue on one node: durable, retrying, fair.
 *
 * <ul>
 *   <li><b>Accept</b>: {@link #enqueue} completes once the event is committed (fsynced) to
 *       {@code <dir>/events.db}; enqueues arriving together share a commit ({@link EventStore}).
 *       At most {@link EventQueueConfig#maxQueuedEvents()} events are stored; beyond it enqueue
 *       throws {@link QueueFullException} at once. Only an {@link EventRef} per event stays in
 *       memory; payloads are read back when delivered.
 *   <li><b>Deliver</b>: one dispatcher thread ("events-dispatcher") hands due events to
 *       {@link EventDelivery}, each on its own virtual thread, at most {@code parallelism} at once,
 *       choosing by {@link FairScheduler}. It sleeps on a condition until the next due time, a new
 *       event or a freed slot.
 *   <li><b>Decide</b> (settings read afresh from {@link EventSettingsSource} each time): a function
 *       error is retried up to {@code MaximumRetryAttempts} times, retry n after n ×
 *       {@code retryBaseDelay}; a throttle or service error is retried after {@code throttleBaseDelay}
 *       × 2^k (capped), without counting as an attempt; reserved concurrency 0 fails at once; an
 *       event whose age has passed {@code MaximumEventAge} when due, or would have when its retry is
 *       due, fails with {@code EventAgeExceeded}; a gone function drops the event.
 *   <li><b>Finish</b>: success with an OnSuccess destination, or failure with an OnFailure
 *       destination, becomes a new event carrying Lambda's invocation record for the destination
 *       function, inserted in the transaction that removes the original; failure without a
 *       destination goes to the dead-letter store.
 * </ul>
 *
 * Delivery is at least once: an event in flight when the process dies is delivered again after the
 * next {@link #open}.
 */
public final class EventQueue implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventQueue.class);
    /** Completes callers' futures off the database thread, so their dependents cannot stall commits. */
    private static final Executor CALLBACKS = r -> Thread.ofVirtual().name("events-callback").start(r);

    private final EventQueueConfig config;
    private final EventDelivery delivery;
    private final EventSettingsSource settingsSource;
    private final FunctionArns arns;
    private final Clock clock;
    private final EventStore store;
    private final Thread dispatcher;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on a new event, a freed slot or close: what the dispatcher and close wait for. */
    private final Condition changed = lock.newCondition();
    // guarded by lock
    private final FairScheduler scheduler;
    /** Events stored or being stored: what {@code maxQueuedEvents} bounds. */
    private int stored;
    private boolean closing;

    private EventQueue(EventQueueConfig config, EventDelivery delivery, EventSettingsSource settingsSource,
                       FunctionArns arns, Clock clock, EventStore store, List<EventRef> existing) {
        this.config = config;
        this.delivery = delivery;
        this.settingsSource = settingsSource;
        this.arns = arns;
        this.clock = clock;
        this.store = store;
        this.scheduler = new FairScheduler(config.parallelism());
        existing.forEach(scheduler::add);
        this.stored = existing.size();
        this.dispatcher = Thread.ofVirtual().name("events-dispatcher").unstarted(this::dispatch);
    }

    /**
     * Opens (or creates) the queue in {@code dir} and starts delivering, first of all every event a
     * previous process left stored, in flight or not.
     */
    public static EventQueue open(Path dir, EventQueueConfig config, EventDelivery delivery,
                                  EventSettingsSource settingsSource, FunctionArns arns)
            throws IOException, EventQueueException {
        return open(dir, config, delivery, settingsSource, arns, Clock.systemUTC());
    }

    static EventQueue open(Path dir, EventQueueConfig config, EventDelivery delivery,
                           EventSettingsSource settingsSource, FunctionArns arns, Clock clock)
            throws IOException, EventQueueException {
        Files.createDirectories(dir);
        EventStore store;
        try {
            // room for every event's insert plus the bookkeeping of every delivery in flight
            store = new EventStore(dir.resolve("events.db"), config.maxBatch(),
                    config.maxQueuedEvents() + 4 * config.parallelism() + 1024);
        } catch (SQLException e) {
            throw new EventQueueException.StorageFailure(e);
        }
        List<EventRef> existing;
        try {
            existing = await(store.loadAll());
        } catch (EventQueueException e) {
            store.close();
            throw e;
        }
        if (!existing.isEmpty()) {
            log.info("events: {} stored events to deliver", existing.size());
        }
        EventQueue queue = new EventQueue(Objects.requireNonNull(config), Objects.requireNonNull(delivery),
                Objects.requireNonNull(settingsSource), Objects.requireNonNull(arns), clock, store, existing);
        queue.dispatcher.start();
        return queue;
    }

    /**
     * Stores the event; the future completes when it is durable (then the frontend may answer 202), or
     * fails with {@link EventQueueException.StorageFailure} or {@link EventQueueException.Closed}.
     *
     * @throws QueueFullException at once, storing nothing, when the queue holds its maximum
     */
    public CompletableFuture<Void> enqueue(NewEvent event) throws QueueFullException {
        lock.lock();
        try {
            if (closing) {
                return CompletableFuture.failedFuture(new EventQueueException.Closed());
            }
            if (stored >= config.maxQueuedEvents()) {
                throw new QueueFullException(config.maxQueuedEvents());
            }
            stored++;
        } finally {
            lock.unlock();
        }
        CompletableFuture<Void> accepted = new CompletableFuture<>();
        store.insert(event).whenComplete((seq, failure) -> {
            lock.lock();
            try {
                if (failure == null) {
                    scheduler.add(new EventRef(seq, event.functionName(), event.qualifier(), event.acceptedAt(),
                            event.acceptedAt(), 0, 0));
                    changed.signalAll();
                } else {
                    stored--;
                }
            } finally {
                lock.unlock();
            }
            CALLBACKS.execute(() -> {
                if (failure == null) {
                    accepted.complete(null);
                } else {
                    accepted.completeExceptionally(unwrap(failure));
                }
            });
        });
        return accepted;
    }

    /** Per function with queued, in-flight or dead-lettered events: the counts and the oldest event's age. */
    public List<QueueStats> queues() throws EventQueueException {
        List<FairScheduler.Load> loads;
        lock.lock();
        try {
            loads = scheduler.loads();
        } finally {
            lock.unlock();
        }
        Map<String, Integer> dead = await(store.deadLetterCounts());
        Map<String, FairScheduler.Load> byName = new HashMap<>();
        loads.forEach(l -> byName.put(l.functionName(), l));
        TreeSet<String> names = new TreeSet<>(byName.keySet());
        names.addAll(dead.keySet());
        Instant now = clock.instant();
        List<QueueStats> out = new ArrayList<>(names.size());
        for (String name : names) {
            FairScheduler.Load l = byName.get(name);
            Duration age = l == null ? Duration.ZERO : l.oldestAcceptedAt()
                    .map(t -> t.isAfter(now) ? Duration.ZERO : Duration.between(t, now)).orElse(Duration.ZERO);
            out.add(new QueueStats(name, l == null ? 0 : l.queued(), l == null ? 0 : l.inFlight(),
                    dead.getOrDefault(name, 0), age));
        }
        return out;
    }

    /** The function's dead letters, oldest first, at most {@code max}. */
    public List<DeadLetter> deadLetters(String functionName, int max) throws EventQueueException {
        return await(store.deadLetters(functionName, max));
    }

    /**
     * Moves the function's dead letters (all, or the one with {@code id}) back into the queue in one
     * transaction, with no invocations counted and their age starting now; as many as the queue has room
     * for (the rest stay dead letters). Returns how many moved: 0 when there were none.
     *
     * @throws QueueFullException when there are dead letters to move but the queue has no room at all
     */
    public int replay(String functionName, Optional<String> id) throws EventQueueException {
        // reserve room for what is there, not for everything free: enqueues go on meanwhile
        int wanted = id.isPresent() ? 1 : await(store.deadLetterCount(functionName));
        if (wanted == 0) {
            return 0;
        }
        int room;
        lock.lock();
        try {
            if (closing) {
                throw new EventQueueException.Closed();
            }
            room = Math.min(wanted, config.maxQueuedEvents() - stored);
            if (room <= 0) {
                throw new QueueFullException(config.maxQueuedEvents());
            }
            stored += room;
        } finally {
            lock.unlock();
        }
        List<EventRef> moved = List.of();
        try {
            moved = await(store.replay(functionName, id, room, clock.instant()));
            return moved.size();
        } finally {
            lock.lock();
            try {
                stored -= room - moved.size();
                moved.forEach(scheduler::add);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The function was deleted: its queued events and dead letters go (deliveries in flight finish). */
    public void functionDeleted(String functionName) throws EventQueueException {
        int dropped = await(store.deleteFunction(functionName));
        lock.lock();
        try {
            scheduler.removeQueued(functionName);
            stored -= dropped;
        } finally {
            lock.unlock();
        }
        if (dropped > 0) {
            log.info("events: function {} deleted, {} queued events dropped", functionName, dropped);
        }
    }

    /**
     * Stops dispatching, waits up to {@code closeGrace} for deliveries in flight, and closes the file.
     * Everything not finished stays stored for the next {@link #open}.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            dispatcher.join();
            lock.lock();
            try {
                long left = config.closeGrace().toNanos();
                while (scheduler.inFlight() > 0 && left > 0) {
                    left = changed.awaitNanos(left);
                }
                if (scheduler.inFlight() > 0) {
                    log.warn("events: closing with {} deliveries in flight; they will be delivered again",
                            scheduler.inFlight());
                }
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    /** Transactions the store committed: for tests of group commit. */
    long commits() {
        return store.commits();
    }

    // ---- dispatching

    private void dispatch() {
        lock.lock();
        try {
            while (!closing) {
                Instant now = clock.instant();
                Optional<EventRef> next = scheduler.take(now);
                if (next.isPresent()) {
                    EventRef event = next.get();
                    Thread.ofVirtual().name("event-delivery").start(() -> deliver(event));
                    continue;
                }
                Optional<Instant> wake = scheduler.nextDueAfter(now);
                if (wake.isPresent()) {
                    changed.awaitNanos(Math.max(1, Duration.between(now, wake.get()).toNanos()));
                } else {
                    changed.await();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** What became of a delivered event, applied to memory in one step with freeing its slot. */
    private record Settled(boolean removed, Optional<EventRef> requeue, Optional<EventRef> added) {
        static final Settled GONE = new Settled(false, Optional.empty(), Optional.empty());
    }

    /** One event's attempt, on its own virtual thread. */
    private void deliver(EventRef event) {
        Settled settled = Settled.GONE;
        try {
            settled = attempt(event);
        } catch (EventQueueException.Closed e) {
            // closing: the event stays stored as it was
        } catch (EventQueueException | RuntimeException e) {
            log.warn("events: bookkeeping for event {} of {} failed; trying again later", event.seq(),
                    event.functionName(), e);
            settled = new Settled(false, Optional.of(event.rescheduled(
                    clock.instant().plus(config.throttleDelay(event.refusals() + 1)), event.invocations(),
                    event.refusals() + 1)), Optional.empty());
        } finally {
            lock.lock();
            try {
                scheduler.finished(event);
                if (settled.removed()) {
                    stored--;
                }
                if (!closing) {
                    settled.requeue().ifPresent(scheduler::add);
                }
                settled.added().ifPresent(e -> {
                    stored++;
                    scheduler.add(e);
                });
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private Settled attempt(EventRef event) throws EventQueueException {
        Optional<EventStore.StoredEvent> row = await(store.read(event.seq()));
        if (row.isEmpty()) {
            return Settled.GONE; // its function was deleted meanwhile
        }
        EventInvokeSettings settings = settingsFor(event);
        Instant expiry = event.acceptedAt().plus(settings.maximumEventAge());
        if (!clock.instant().isBefore(expiry)) {
            return fail(event, row.get(), settings, FailureCondition.EventAgeExceeded,
                    row.get().last().orElse(LastOutcome.NONE), event.invocations());
        }
        DeliveryResult result = invoke(event, row.get());
        Instant now = clock.instant();
        LastOutcome outcome = LastOutcome.of(result);
        return switch (result) {
            case DeliveryResult.Success s -> finish(event, row.get(), settings.onSuccessArn(),
                    DestinationRecord.SUCCESS, outcome, event.invocations() + 1);
            case DeliveryResult.FunctionError f -> {
                int invocations = event.invocations() + 1;
                if (invocations > settings.maximumRetryAttempts()) {
                    yield fail(event, row.get(), settings, FailureCondition.RetriesExhausted, outcome, invocations);
                }
                // the retry is the invocations-th one: Lambda waits about 1 min, then 2 min
                Instant due = now.plus(config.retryDelay(invocations));
                yield due.isAfter(expiry)
                        ? fail(event, row.get(), settings, FailureCondition.EventAgeExceeded, outcome, invocations)
                        : reschedule(event.rescheduled(due, invocations, 0), outcome);
            }
            case DeliveryResult.Throttled t -> backOff(event, row.get(), settings, outcome, now, expiry);
            case DeliveryResult.ServiceError e -> backOff(event, row.get(), settings, outcome, now, expiry);
            case DeliveryResult.ThrottledReservedZero z ->
                    fail(event, row.get(), settings, FailureCondition.RetriesExhausted, outcome, event.invocations());
            case DeliveryResult.FunctionGone g -> {
                log.warn("events: {}:{} no longer exists; event {} dropped", event.functionName(), event.qualifier(),
                        row.get().id());
                yield new Settled(await(store.complete(event.seq(), Optional.empty())).removed(), Optional.empty(),
                        Optional.empty());
            }
        };
    }

    private Settled backOff(EventRef event, EventStore.StoredEvent row, EventInvokeSettings settings,
                            LastOutcome outcome, Instant now, Instant expiry) throws EventQueueException {
        int refusals = event.refusals() + 1;
        Instant due = now.plus(config.throttleDelay(refusals));
        if (due.isAfter(expiry)) {
            return fail(event, row, settings, FailureCondition.EventAgeExceeded, outcome, event.invocations());
        }
        return reschedule(event.rescheduled(due, event.invocations(), refusals), outcome);
    }

    private Settled reschedule(EventRef next, LastOutcome outcome) throws EventQueueException {
        boolean present = await(store.reschedule(next, outcome));
        return new Settled(false, present ? Optional.of(next) : Optional.empty(), Optional.empty());
    }

    /** The failure path: the OnFailure destination if there is one, else the dead-letter store. */
    private Settled fail(EventRef event, EventStore.StoredEvent row, EventInvokeSettings settings,
                         FailureCondition condition, LastOutcome outcome, int invocations)
            throws EventQueueException {
        if (settings.onFailureArn().flatMap(FunctionArns::parse).isPresent()) {
            return finish(event, row, settings.onFailureArn(), condition.name(), outcome, invocations);
        }
        settings.onFailureArn().ifPresent(arn ->
                log.warn("events: OnFailure destination {} is not a function ARN; dead-lettering instead", arn));
        DeadLetter letter = new DeadLetter(row.id(), event.functionName(), event.qualifier(), row.payload(),
                condition, outcome.statusCode(), outcome.errorType(), outcome.errorMessage(), invocations,
                event.acceptedAt(), clock.instant());
        boolean removed = await(store.deadLetter(event.seq(), letter, config.maxDeadLettersPerFunction()));
        return new Settled(removed, Optional.empty(), Optional.empty());
    }

    /** Removes the event, sending the invocation record to {@code destinationArn} if it names a function. */
    private Settled finish(EventRef event, EventStore.StoredEvent row, Optional<String> destinationArn,
                           String condition, LastOutcome outcome, int invocations) throws EventQueueException {
        Optional<FunctionArns.Target> target = destinationArn.flatMap(FunctionArns::parse);
        if (destinationArn.isPresent() && target.isEmpty()) {
            log.warn("events: destination {} is not a function ARN; no record sent", destinationArn.get());
        }
        Instant now = clock.instant();
        Optional<NewEvent> record = target.map(t -> new NewEvent(UUID.randomUUID().toString(), t.functionName(),
                t.qualifier(), DestinationRecord.build(now, row.id(), arns.qualified(event.functionName(),
                        event.qualifier()), condition, invocations, row.payload(), outcome), now));
        EventStore.Removal removal = await(store.complete(event.seq(), record));
        Optional<EventRef> added = removal.destinationSeq().map(seq -> new EventRef(seq,
                record.get().functionName(), record.get().qualifier(), now, now, 0, 0));
        return new Settled(removal.removed(), Optional.empty(), added);
    }

    private DeliveryResult invoke(EventRef event, EventStore.StoredEvent row) {
        QueuedEvent queued = new QueuedEvent(row.id(), event.functionName(), event.qualifier(), row.payload(),
                event.invocations() + 1, event.acceptedAt());
        try {
            return Objects.requireNonNull(delivery.deliver(queued), "delivery result");
        } catch (RuntimeException e) {
            log.warn("events: delivery of {} to {} failed", row.id(), event.functionName(), e);
            return new DeliveryResult.ServiceError(e.toString());
        }
    }

    private EventInvokeSettings settingsFor(EventRef event) {
        try {
            return Objects.requireNonNull(settingsSource.settingsFor(event.functionName(), event.qualifier()));
        } catch (RuntimeException e) {
            log.warn("events: settings of {}:{} unavailable; using defaults", event.functionName(),
                    event.qualifier(), e);
            return EventInvokeSettings.DEFAULTS;
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws EventQueueException {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw unwrap(e);
        }
    }

    private static EventQueueException unwrap(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof EventQueueException e ? e : new EventQueueException.StorageFailure(cause);
    }
}
