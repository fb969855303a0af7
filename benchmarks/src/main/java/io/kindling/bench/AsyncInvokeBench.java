package io.kindling.bench;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Figure 9: asynchronous invokes ({@code X-Amz-Invocation-Type: Event}) through a real Kindling node with real
 * sandboxes, the C echo runtime of {@link ProvidedBootstraps} at 1,769 MB, {@code --auth none}, the queue's default
 * settings (parallelism 64). Delivery runs while the accepts are measured: it is part of the load an accepting server
 * carries. Three parts:
 *
 * <ol>
 *   <li><b>9. Accept</b>: closed-loop Event invokes of a 1 KB event at 1 and 16 callers beside baseline B (the bare
 *       Jetty echo, same client) and baseline F ({@link DurableAppend}: one durable 1 KB write without group commit,
 *       on the data directory's filesystem), taking turns round by round. After each accept warm-up or round the
 *       benchmark waits until the queue has delivered everything, so the next scenario's round runs on a quiet
 *       server.</li>
 *   <li><b>9b. Delivery</b>: a burst of events accepted as fast as 16 callers can, timed from the first accept until
 *       the queue reports nothing queued or in flight, beside the same number of synchronous invokes at 8
 *       callers.</li>
 *   <li><b>9c. Fairness</b>: one event of a quiet function accepted behind a backlog of failing events of a noisy one
 *       (no retries: each fails once into the dead-letter store), beside the same event with no backlog. The quiet
 *       function's runtime writes the monotonic time it read the event to its log ({@code "stamp"}), so the time
 *       from accept to delivery is exact, not a poll's.</li>
 * </ol>
 *
 * <p>When this machine cannot run sandboxes, or has no gcc for the C runtime (the sh + curl one is far too slow to
 * drive a queue of thousands), the section says so and the run goes on.
 */
final class AsyncInvokeBench {
    static final String PREFIX = "kbench-async";
    /**
     * Sandbox memory the worker may hand out (bookkeeping; the C runtime uses a few MB): with parallelism 64, each of
     * two functions may run 64 environments of 1,769 MB, and none should be refused or evicted mid-figure.
     */
    private static final long SANDBOX_MEMORY_BYTES = 512L << 30;
    private static final int[] ACCEPT_CALLERS = {1, 16};
    private static final int BURST_CALLERS = 16;
    private static final int SYNC_CALLERS = 8;
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);
    private static final Map<String, String> EVENT_INVOKE = Map.of("X-Amz-Invocation-Type", "Event");
    private static final byte[] STAMP_EVENT = "\"stamp\"".getBytes(StandardCharsets.US_ASCII);
    /**
     * How long a noisy event runs before it fails. Failing at once, the noisy function's events are delivered as fast
     * as 16 callers can send them and no backlog ever forms; Lambda's noisy neighbours were slow failures (timeouts).
     */
    private static final int NOISY_FAILURE_MS = 250;
    private static final byte[] FAIL_EVENT = ("\"fail:" + NOISY_FAILURE_MS + "\"").getBytes(StandardCharsets.US_ASCII);
    private static final String STAMP_LINE = "kindling-bench-stamp next_ns=";

    private static final String ECHO = "async-echo";
    private static final String NOISY = "async-noisy";
    private static final String QUIET = "async-quiet";

    /** One measured closed-loop scenario of table 9; {@code callers} is its rounds' concurrency (F itself runs one thread). */
    private record Measured(String id, String label, int callers, Latency latency, double rate) {}

    /** A fixed number of calls spread over callers as fast as they go: when it began and ended, each call's latency. */
    private record Burst(long startNanos, long endNanos, Histogram latencies) {}

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;
    private final byte[] event = WarmInvokeBench.event();

    AsyncInvokeBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    void run(Report report) throws Exception {
        ProvidedBootstraps.Bootstrap c;
        try {
            c = ProvidedBootstraps.compiled(workDir.resolve("runtimes-async"));
        } catch (IOException e) {
            skipped(report, "No C runtime (" + e.getMessage() + "); the sh + curl runtime (two curl processes per "
                    + "event) would take minutes per figure.");
            return;
        }
        Path serverDirs = InvokeBench.sandboxReachableDir("kindling-bench-async-");
        try (KindlingServer server = KindlingUnderTest.start(serverDirs.resolve("data"), credentials, ServerConfig.Auth.NONE,
                        WorkerConfig.defaults().withNamePrefix(PREFIX).withSandboxMemoryBytes(SANDBOX_MEMORY_BYTES)
                                .withLifecycle(LifecycleSettings.DEFAULTS));
                BareJettyServer bareJetty = BareJettyServer.echoOnly()) {
            List<InvokeTarget> targets = new ArrayList<>();
            for (String function : List.of(ECHO, NOISY, QUIET)) {
                targets.add(new InvokeTarget(c, InvokeTarget.FULL_CORE_MB, function, server.endpoint()));
            }
            InvokeBench.deploy(server, targets);
            String unavailable = InvokeBench.probe(targets.getFirst());
            if (unavailable != null) {
                skipped(report, "Kindling cannot run sandboxes here (they need root, bubblewrap and cgroups). " + unavailable);
                return;
            }
            for (InvokeTarget target : targets.subList(1, targets.size())) {
                String failed = InvokeBench.probe(target);
                if (failed != null) {
                    throw new IllegalStateException(target.function() + ": " + failed);
                }
            }
            try (LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
                // The echo never fails, so this only says what the figures assume; the noisy function's events fail
                // once each into the dead-letter store instead of coming back a minute later.
                for (InvokeTarget target : targets) {
                    lambda.putFunctionEventInvokeConfig(r -> r.functionName(target.function()).maximumRetryAttempts(0));
                }
            }
            KindlingQueues queues = new KindlingQueues(server.endpoint());
            accept(report, bareJetty, targets.get(0), queues, serverDirs.resolve("durable-append"));
            delivery(report, targets.get(0), queues);
            fairness(report, targets.get(1), targets.get(2), queues);
        } finally {
            ControlPlaneBench.deleteRecursively(serverDirs);
        }
    }

    // ---- 9. Accept ----

    private void accept(Report report, BareJettyServer bareJetty, InvokeTarget echo, KindlingQueues queues,
                        Path appendFile) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        List<Measured> all = new ArrayList<>();
        long largestBacklog = 0;
        try (DurableAppend durable = new DurableAppend(appendFile, event)) {
            for (int callers : ACCEPT_CALLERS) {
                List<ClosedLoopScenario> scenarios = new ArrayList<>();
                try {
                    scenarios.add(new ClosedLoopScenario("B", callers,
                            () -> WarmInvokeBench.echo(bareJetty.endpoint() + "/echo", event, false)));
                    // One thread at every concurrency: F is a property of the disk, the yardstick for one durable write.
                    scenarios.add(new ClosedLoopScenario("F", 1, () -> durable));
                    ClosedLoopScenario accepts = new ClosedLoopScenario("accept", callers, accepter(echo, event));
                    scenarios.add(accepts);
                    for (ClosedLoopScenario scenario : scenarios) {
                        RoundTripBench.progress("async: warming up " + scenario.name() + " with " + callers + " caller(s)");
                        scenario.warmUp(settings.warmup());
                        if (scenario == accepts) {
                            queues.awaitDrained(echo.function(), POLL, DRAIN_TIMEOUT);
                        }
                    }
                    for (int round = 1; round <= settings.rounds(); round++) {
                        RoundTripBench.progress("async: round " + round + "/" + settings.rounds() + " with " + callers
                                + " caller(s)");
                        for (ClosedLoopScenario scenario : scenarios) {
                            scenario.measureRound(settings.round());
                            if (scenario == accepts) {
                                // The next round (B's or F's) must not run beside this one's deliveries.
                                largestBacklog = Math.max(largestBacklog,
                                        queues.awaitDrained(echo.function(), POLL, DRAIN_TIMEOUT).pendingAtFirstPoll());
                            }
                        }
                    }
                    all.add(measured("B", "B. bare Jetty 12 HTTP echo, 1 KB JSON (baseline)", scenarios.get(0), callers));
                    all.add(measured("F", "F. 1 KB append + `FileChannel.force(false)`, one thread, data directory's "
                            + "filesystem (baseline: one durable write)", scenarios.get(1), callers));
                    all.add(measured("accept", "**Kindling async accept**: Event invoke, 1 KB → 202 (frontend, registry, "
                            + "durable enqueue with group commit)", accepts, callers));
                } finally {
                    scenarios.forEach(ClosedLoopScenario::close);
                }
            }
        }
        renderAccept(report, all, largestBacklog, pressure.percentSinceStart());
    }

    private static Measured measured(String id, String label, ClosedLoopScenario scenario, int callers) {
        return new Measured(id, label, callers, scenario.latency(), scenario.throughputPerSecond());
    }

    /** An Event invoke of this payload; insists on 202 and an empty body, as Lambda answers. */
    private static ClosedLoopScenario.CallerFactory accepter(InvokeTarget target, byte[] payload) {
        return () -> {
            KeepAliveHttpPost post = new KeepAliveHttpPost(target.invokeUrl(), payload, "application/json", EVENT_INVOKE);
            return () -> {
                KeepAliveHttpPost.Answer answer = post.exchange();
                if (answer.status() != 202 || answer.body().length != 0) {
                    throw new IllegalStateException("Event invoke of " + target.function() + " answered " + answer.status()
                            + ": " + answer.bodyText());
                }
            };
        };
    }

    private void renderAccept(Report report, List<Measured> all, long largestBacklog, double cpuPressure) {
        Duration measured = settings.round().multipliedBy(settings.rounds());
        Report.Table table = report.table("9. Async invoke: accept latency and rate beside a bare HTTP echo and one "
                        + "durable write",
                "`POST /2015-03-31/functions/NAME/invocations` with `X-Amz-Invocation-Type: Event` and a 1 KB JSON event, "
                        + "to a `provided.al2023` C echo function at 1,769 MB; every answer checked: 202, empty body. Kindling "
                        + "answers once the event's row is committed with `synchronous=FULL` (fsync), enqueues arriving "
                        + "together sharing a commit. Delivery runs while accepts are measured (the queue's default "
                        + "parallelism, 64; MaximumRetryAttempts 0); after each accept warm-up and round the benchmark waits "
                        + "until the queue is empty, so B and F never run beside deliveries. Same client and server set-up as "
                        + "7 (raw keep-alive `HttpURLConnection`, `--auth none`). F runs one thread at either concurrency. "
                        + "Per scenario: " + settings.warmup().toMillis() + " ms warm-up, then " + settings.rounds()
                        + " rounds of " + settings.round().toMillis() + " ms taking turns (" + measured.toMillis()
                        + " ms measured each).",
                "path", "callers", "n", "p50", "p99", "rate", "p50 ÷ B", "p50 ÷ F", "rate ÷ (1 / F p50)");
        for (int callers : ACCEPT_CALLERS) {
            Measured b = find(all, "B", callers);
            Measured f = find(all, "F", callers);
            for (Measured m : List.of(b, f, find(all, "accept", callers))) {
                String id = "async.accept." + m.id() + ".c" + callers;
                int threads = m == f ? 1 : callers;
                report.latency(id, m.label(), m.latency(), Map.of("callers", threads, "rate_per_s", m.rate(),
                        "measured_in_rounds_of_callers", callers));
                String overB = m == b ? "—" : Format.ratio(report.ratio(id, "async.accept.B.c" + callers, "p50",
                        m.latency().p50Ms(), b.latency().p50Ms()));
                String overF = m == f ? "—" : Format.ratio(report.ratio(id, "async.accept.F.c" + callers, "p50",
                        m.latency().p50Ms(), f.latency().p50Ms()));
                String groupCommit = m == b || m == f ? "—" : Format.ratio(report.ratio(id + ".group_commit",
                        "async.accept.F.c" + callers, "rate ÷ (1 / p50)", m.rate(), 1000 / f.latency().p50Ms()));
                table.row(m.label(), m == f ? "1 (in the " + callers + "-caller rounds)" : Integer.toString(callers),
                        String.format("%,d", m.latency().count()), Format.millis(m.latency().p50Ms()),
                        Format.millis(m.latency().p99Ms()), Format.perSecond(m.rate()), overB, overF, groupCommit);
            }
        }
        for (int callers : ACCEPT_CALLERS) {
            Map<String, Latency> lines = new LinkedHashMap<>();
            for (String id : List.of("B", "F", "accept")) {
                Measured m = find(all, id, callers);
                lines.put(Charts.legend(m.label()), m.latency());
            }
            table.chart("9-async-accept-" + callers + "-caller" + (callers == 1 ? "" : "s"), Charts.percentiles(
                    "9. Async invoke accepted, " + callers + " caller" + (callers == 1 ? "" : "s"),
                    "each Event invoke until its 202 at the client, beside the bare HTTP echo B and one durable write F",
                    lines));
        }
        Measured f16 = find(all, "F", 16);
        Measured a16 = find(all, "accept", 16);
        table.note("No budget (the architecture sets none for async invokes); anchor: Lambda answers 202 once the event "
                + "is in its internal queue (SQS), itself a replicated durable write. At 16 callers Kindling accepted "
                + Format.perSecond(a16.rate()) + ", " + Format.ratio(a16.rate() / (1000 / f16.latency().p50Ms()))
                + " what one durable write at a time allows on this disk (1 / F p50 = "
                + Format.perSecond(1000 / f16.latency().p50Ms()) + "); above 1× only because accepts share commits "
                + "(group commit). The largest backlog "
                + "left at the end of an accept round: " + String.format("%,d", largestBacklog) + " events.");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.async_accept", cpuPressure);
    }

    /** F runs one thread in each concurrency's rounds and is filed under those rounds' caller count. */
    private static Measured find(List<Measured> all, String id, int callers) {
        return all.stream().filter(m -> m.id().equals(id) && m.callers() == callers).findFirst().orElseThrow();
    }

    // ---- 9b. Delivery ----

    private void delivery(Report report, InvokeTarget echo, KindlingQueues queues) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        int events = settings.quick() ? 500 : 5000;
        int runs = settings.quick() ? 1 : 3;
        Histogram delivered = Latency.newHistogram();
        Histogram accepting = Latency.newHistogram();
        Histogram synchronous = Latency.newHistogram();
        Histogram acceptLatency = Latency.newHistogram();
        Histogram syncLatency = Latency.newHistogram();
        Histogram backlog = new Histogram(3);
        for (int run = 1; run <= runs; run++) {
            RoundTripBench.progress("async: burst " + run + "/" + runs + " of " + events + " events, then as many invokes");
            queues.awaitDrained(echo.function(), POLL, DRAIN_TIMEOUT);
            Burst accepted = burst(BURST_CALLERS, events, accepter(echo, event));
            KindlingQueues.Drained drained = queues.awaitDrained(echo.function(), POLL, DRAIN_TIMEOUT);
            delivered.recordValue(drained.answeredNanos() - accepted.startNanos());
            accepting.recordValue(accepted.endNanos() - accepted.startNanos());
            acceptLatency.add(accepted.latencies());
            backlog.recordValue(drained.pendingAtFirstPoll());
            Burst invoked = burst(SYNC_CALLERS, events, () -> WarmInvokeBench.echo(echo.invokeUrl(), event, true));
            synchronous.recordValue(invoked.endNanos() - invoked.startNanos());
            syncLatency.add(invoked.latencies());
        }
        double syncRate = rate(events, synchronous.getValueAtPercentile(50));
        Report.Table table = report.table("9b. Async delivery throughput beside synchronous invokes",
                "A burst of " + String.format("%,d", events) + " Event invokes (1 KB) of the same C echo function, accepted "
                        + "as fast as " + BURST_CALLERS + " callers can; time from the first accept sent until "
                        + "`GET /kindling/2026-11-27/queues` (polled every " + POLL.toMillis() + " ms once the last 202 is in) "
                        + "shows nothing queued or in flight for the function. Baseline: as many synchronous invokes of the "
                        + "same function and event, closed loop at " + SYNC_CALLERS + " callers (figure 7's client), right "
                        + "after each burst. " + runs + " run(s) each; the rate is at the median run's time.",
                "path", "callers", "runs × events", "time (median run)", "rate", "rate (slowest run)", "call p50", "call p99",
                "rate ÷ synchronous");
        row(report, table, "async.delivery.sync", "synchronous warm Invoke, closed loop (baseline)", SYNC_CALLERS, runs,
                events, synchronous, Latency.of(syncLatency), syncRate);
        row(report, table, "async.delivery.delivered", "**Kindling async: first accept → all delivered** (queue empty)",
                BURST_CALLERS, runs, events, delivered, null, syncRate);
        row(report, table, "async.delivery.accepting", "… of which accepting: first accept sent → last 202", BURST_CALLERS,
                runs, events, accepting, Latency.of(acceptLatency), syncRate);
        double asyncRate = rate(events, delivered.getValueAtPercentile(50));
        table.note("Per event, at the median runs: " + Format.millis(1000 / asyncRate) + " of wall time through the queue "
                + "against " + Format.millis(1000 / syncRate) + " synchronously, " + Format.millis(1000 / asyncRate - 1000 / syncRate)
                + " more: the queue's cost per event on this machine (the durable insert, the dispatcher, the delivery's "
                + "bookkeeping commit), with accepting and delivering sharing the 2 cores. Events not yet delivered when the "
                + "last 202 came back (median): " + String.format("%,d", backlog.getValueAtPercentile(50)) + ". Dead "
                + "letters of the echo function after 9 and 9b (every delivery should have succeeded): "
                + String.format("%,d", queues.of(echo.function()).deadLetters()) + ".");
        double cpuPressure = pressure.percentSinceStart();
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.async_delivery", cpuPressure);
    }

    private static void row(Report report, Report.Table table, String id, String label, int callers, int runs, int events,
                            Histogram times, Latency calls, double syncRate) {
        double median = rate(events, times.getValueAtPercentile(50));
        double slowest = rate(events, times.getMaxValue());
        report.figure(id, label, Map.of("callers", callers, "runs", runs, "events", events,
                "time_p50_ms", times.getValueAtPercentile(50) / 1e6, "rate_per_s", median, "slowest_rate_per_s", slowest));
        String ratio = id.endsWith(".sync") ? "—" : Format.ratio(report.ratio(id, "async.delivery.sync", "rate", median, syncRate));
        table.row(label, Integer.toString(callers), runs + " × " + String.format("%,d", events),
                Format.millis(times.getValueAtPercentile(50) / 1e6), Format.perSecond(median), Format.perSecond(slowest),
                calls == null ? "—" : Format.millis(calls.p50Ms()), calls == null ? "—" : Format.millis(calls.p99Ms()), ratio);
    }

    private static double rate(int events, long nanos) {
        return events / (nanos / 1e9);
    }

    // ---- 9c. Fairness ----

    private void fairness(Report report, InvokeTarget noisy, InvokeTarget quiet, KindlingQueues queues) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        int noisyEvents = settings.quick() ? 200 : 2000;
        int samples = settings.quick() ? 1 : 4;
        Histogram[] reached = {Latency.newHistogram(), Latency.newHistogram()};
        Histogram[] drained = {Latency.newHistogram(), Latency.newHistogram()};
        Histogram[] waiting = {new Histogram(3), new Histogram(3)};
        Histogram noisyRate = new Histogram(3);
        Histogram inFlight = new Histogram(3);
        KeepAliveHttpPost quietEvent = new KeepAliveHttpPost(quiet.invokeUrl(), STAMP_EVENT, "application/json", EVENT_INVOKE);
        long deadBefore = queues.of(noisy.function()).deadLetters();
        // The first backlog starts up to 64 noisy environments (cold starts); that is not what is measured. Kept
        // small so every noisy event of the figure fits in the dead-letter store (10,000 a function) and is counted.
        int warmUpEvents = Math.min(noisyEvents, 500);
        RoundTripBench.progress("async: fairness warm-up, " + warmUpEvents + " failing events");
        burst(BURST_CALLERS, warmUpEvents, accepter(noisy, FAIL_EVENT));
        queues.awaitDrained(noisy.function(), POLL, DRAIN_TIMEOUT);
        for (int sample = 1; sample <= samples; sample++) {
            for (int behindBacklog = 0; behindBacklog <= 1; behindBacklog++) {
                RoundTripBench.progress("async: fairness sample " + sample + "/" + samples
                        + (behindBacklog == 1 ? " behind " + noisyEvents + " failing events" : ", alone"));
                if (behindBacklog == 1) {
                    burst(BURST_CALLERS, noisyEvents, accepter(noisy, FAIL_EVENT));
                }
                KindlingQueues.Queue backlog = queues.of(noisy.function());
                long sent = System.nanoTime();
                KeepAliveHttpPost.Answer answer = quietEvent.exchange();
                if (answer.status() != 202) {
                    throw new IllegalStateException("Event invoke of " + QUIET + " answered " + answer.status() + ": "
                            + answer.bodyText());
                }
                KindlingQueues.Drained quietDone = queues.awaitDrained(quiet.function(), POLL, DRAIN_TIMEOUT);
                reached[behindBacklog].recordValue(stampAfter(queues, quiet.function(), sent) - sent);
                drained[behindBacklog].recordValue(quietDone.answeredNanos() - sent);
                waiting[behindBacklog].recordValue(backlog.pending());
                if (behindBacklog == 1) {
                    KindlingQueues.Drained noisyDone = queues.awaitDrained(noisy.function(), POLL, DRAIN_TIMEOUT);
                    noisyRate.recordValue(Math.round(rate((int) backlog.pending(), noisyDone.answeredNanos() - sent)));
                    inFlight.recordValue(backlog.inFlight());
                }
            }
        }
        long deadLetters = queues.of(noisy.function()).deadLetters() - deadBefore;
        renderFairness(report, noisyEvents, samples, reached, drained, waiting, noisyRate, inFlight, deadLetters,
                warmUpEvents + (long) samples * noisyEvents, pressure.percentSinceStart());
    }

    /** The monotonic time the quiet function's runtime read its newest {@code "stamp"} event sent after {@code sent}. */
    private static long stampAfter(KindlingQueues queues, String function, long sent) throws Exception {
        // Output still in the pipe when the runtime answers lands in the log a moment later: look again briefly.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            long newest = -1;
            for (String message : queues.logTail(function, 20)) {
                if (message.startsWith(STAMP_LINE)) {
                    newest = Math.max(newest, Long.parseLong(message.substring(STAMP_LINE.length()).strip()));
                }
            }
            if (newest > sent) {
                return newest;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(function + ": no stamp in its log 10 s after its event was delivered");
    }

    private static void renderFairness(Report report, int noisyEvents, int samples, Histogram[] reached, Histogram[] drained,
                                       Histogram[] waiting, Histogram noisyRate, Histogram inFlight, long deadLetters,
                                       long noisySent, double cpuPressure) {
        Report.Table table = report.table("9c. Fairness: one quiet event behind a noisy neighbour's backlog",
                "A noisy C function gets " + String.format("%,d", noisyEvents) + " Event invokes that fail slowly (its "
                        + "runtime sleeps " + NOISY_FAILURE_MS + " ms, then posts `/error`; MaximumRetryAttempts 0, so each fails "
                        + "once into the dead-letter store), accepted by " + BURST_CALLERS + " callers while the queue delivers "
                        + "them 64 at a time; right after the last 202, one event of a quiet C function is accepted. "
                        + "Time: that accept sent → the quiet runtime has read the event (it writes CLOCK_MONOTONIC, "
                        + "System.nanoTime's clock, to its log), and → the queues endpoint shows the quiet function "
                        + "empty (polled every " + POLL.toMillis() + " ms). Baseline: the same quiet event with the noisy "
                        + "queue empty, the two kinds taking turns sample by sample after one unmeasured backlog (the "
                        + "noisy environments' cold starts). Both functions' environments are warm. " + samples
                        + " sample(s) of each: max is the largest.",
                "path", "samples", "noisy events waiting at the accept (median)", "accept → in the function, p50", "max",
                "accept → queue seen empty, p50", "p50 ÷ alone");
        String[] ids = {"alone", "behind_backlog"};
        String[] labels = {"quiet event, noisy queue empty (baseline)", "**quiet event behind the noisy backlog**"};
        for (int i = 0; i < 2; i++) {
            Latency latency = Latency.of(reached[i]);
            String id = "async.fairness." + ids[i];
            report.latency(id, labels[i], latency, Map.of("noisy_waiting_p50", waiting[i].getValueAtPercentile(50),
                    "queue_seen_empty_p50_ms", drained[i].getValueAtPercentile(50) / 1e6));
            String ratio = i == 0 ? "—" : Format.ratio(report.ratio(id, "async.fairness.alone", "p50", latency.p50Ms(),
                    reached[0].getValueAtPercentile(50) / 1e6));
            table.row(labels[i], String.format("%,d", latency.count()), String.format("%,d", waiting[i].getValueAtPercentile(50)),
                    Format.millis(latency.p50Ms()), Format.millis(latency.maxMs()),
                    Format.millis(drained[i].getValueAtPercentile(50) / 1e6), ratio);
        }
        double extraMs = (reached[1].getValueAtPercentile(50) - reached[0].getValueAtPercentile(50)) / 1e6;
        double rate = noisyRate.getValueAtPercentile(50);
        double slotTurnMs = inFlight.getValueAtPercentile(50) / rate * 1000;
        report.figure("async.fairness.noisy", "the noisy backlog's delivery", Map.of("drain_rate_per_s", rate,
                "in_flight_p50", inFlight.getValueAtPercentile(50), "one_delivery_ms", slotTurnMs,
                "quiet_extra_p50_ms", extraMs, "dead_letters", deadLetters));
        double fifoMs = waiting[1].getValueAtPercentile(50) / rate * 1000;
        report.figure("async.fairness.fifo_estimate", "the backlog ahead of the quiet event ÷ the backlog's drain rate",
                Map.of("value_ms", fifoMs));
        table.note("Anchor (architecture): a noisy backlog delays another function's event by at most one slot's turn. The "
                + "backlog drained at " + Format.perSecond(rate) + " with " + inFlight.getValueAtPercentile(50)
                + " in flight (medians): a slot freed every " + Format.millis(1000 / rate) + " on average, and one failing "
                + "delivery lasted about " + Format.millis(slotTurnMs) + " (in flight ÷ rate), the longest a free slot can "
                + "take. Behind the backlog the quiet event took " + Format.millis(extraMs) + " longer than alone (p50s). "
                + "Served in arrival order it would have waited for the " + String.format("%,d", waiting[1].getValueAtPercentile(50))
                + " noisy events ahead of it, about " + Format.millis(fifoMs) + ". Dead letters added: "
                + String.format("%,d", deadLetters) + " of " + String.format("%,d", noisySent) + " noisy events sent"
                + (deadLetters == noisySent ? " (each failed exactly once)." : "."));
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.async_fairness", cpuPressure);
    }

    // ---- shared ----

    /**
     * {@code calls} calls shared by {@code callers} threads, each on its own connection, each taking the next call as
     * soon as its previous one is answered, all released at once.
     */
    private static Burst burst(int callers, int calls, ClosedLoopScenario.CallerFactory factory) throws Exception {
        List<ClosedLoopScenario.Call> opened = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            opened.add(factory.open());
        }
        AtomicInteger left = new AtomicInteger(calls);
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newFixedThreadPool(callers,
                Thread.ofPlatform().name("burst-", 0).daemon(true).factory())) {
            List<Future<Histogram>> results = new ArrayList<>();
            for (ClosedLoopScenario.Call call : opened) {
                results.add(threads.submit(() -> {
                    Histogram histogram = Latency.newHistogram();
                    go.await();
                    while (left.getAndDecrement() > 0) {
                        long start = System.nanoTime();
                        call.run();
                        histogram.recordValue(System.nanoTime() - start);
                    }
                    return histogram;
                }));
            }
            long started = System.nanoTime();
            go.countDown();
            Histogram all = Latency.newHistogram();
            try {
                for (Future<Histogram> result : results) {
                    all.add(result.get());
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("burst of " + calls + " calls failed: " + e.getCause(), e.getCause());
            }
            return new Burst(started, System.nanoTime(), all);
        }
    }

    private static void skipped(Report report, String why) {
        RoundTripBench.progress("async: skipped: " + why);
        report.runFact("async_skipped", why);
        report.table("9. Async invoke", "Not measured. " + why, "figure", "value").row("—", "—");
    }
}
